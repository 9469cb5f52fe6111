// `node --import ./bench/register.mjs bench/NAME/main.ts` (what `npm run bench -- NAME`
// runs): installs ts-hooks.mjs.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
