import { describe, expect, it } from 'vitest';
import { CPU_PROFILE, cpuProfilesText } from '../../../bench/loop/cpu-profile.js';
import { parseProfiles } from '../../../src/signals/profiles.js';

describe('the weir-cpu contender\'s profile', () => {
  it('is valid and reads what the default reads, plus CPU from the backends\' busy time', () => {
    const parsed = parseProfiles(cpuProfilesText(), 'profiles-cpu.yaml');
    if (!parsed.valid) throw new Error(parsed.errors.join('\n'));
    const profile = parsed.result.get(CPU_PROFILE)!;
    const standard = parsed.result.get('default')!;
    const names = (p: typeof profile) => p.signals.map((s) => s.name);
    expect(new Set(names(profile))).toEqual(new Set([...names(standard), 'cpu']));
    for (const s of standard.signals) expect(profile.signals.find((x) => x.name === s.name)?.template.source).toBe(s.template.source);
    expect(profile.signals.find((s) => s.name === 'cpu')!.template.source).toMatch(/rate\(weir_demo_busy_seconds_total\{/);
  });
});
