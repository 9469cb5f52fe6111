// `node --import ./bench/loop/register.mjs bench/loop/main.ts`: installs ts-hooks.mjs.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
