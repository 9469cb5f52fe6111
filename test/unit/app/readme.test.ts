import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { START_FLAGS } from '../../../src/app/config.js';
import { KNOWN_ANNOTATIONS } from '../../../src/discovery/annotations.js';

// The README is the front door: every flag and every annotation must be documented there.
const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it.each(START_FLAGS.map((f) => [f.flag, f.env]))('documents --%s and %s', (flag, env) => {
    expect(readme).toContain(`\`--${flag}`);
    expect(readme).toContain(`\`${env}\``);
  });

  it.each(KNOWN_ANNOTATIONS.map((a) => [a]))('documents %s', (annotation) => {
    expect(readme).toContain(`\`${annotation}\``);
  });

  it('gives the test command that CI runs', () => {
    const ci = readFileSync(new URL('../../../.ci/run', import.meta.url), 'utf8');
    expect(readme).toContain('bash scripts/setup.sh && npm test');
    expect(ci).toContain('bash scripts/setup.sh && npm test');
  });
});
