// `node --import ./bench/register.mjs bench/NAME/main.ts` (what `npm run bench -- NAME`
// runs): installs ts-hooks.mjs.
import { register } from 'node:module';
import process from 'node:process';

register('./ts-hooks.mjs', import.meta.url);

// A reader that stops early (`npm run bench -- loop-replay FILE | head`) closes the pipe
// once it has the lines it wanted: the next write ends the program quietly, not with an
// unhandled EPIPE and a stack trace.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});
