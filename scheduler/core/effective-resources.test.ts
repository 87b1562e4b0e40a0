import { describe, expect, it } from 'vitest';
import { DEFAULT_EXECUTOR_ALLOWANCE, effectiveResources, isNoAllowance, NO_ALLOWANCE } from './effective-resources.js';

describe('effectiveResources', () => {
  const asked = { cpu: 0.1, ramMb: 1, diskMb: 8, gpu: 1 };

  it.each([
    { allowance: NO_ALLOWANCE, effective: asked },
    { allowance: { cpu: 0.25, ramMb: 128, diskMb: 0 }, effective: { cpu: 0.35, ramMb: 129, diskMb: 8, gpu: 1 } },
    { allowance: { cpu: 0.2, ramMb: 16, diskMb: 1 }, effective: { cpu: 0.3, ramMb: 17, diskMb: 9, gpu: 1 } },
    { allowance: DEFAULT_EXECUTOR_ALLOWANCE, effective: { cpu: 0.1, ramMb: 17, diskMb: 9, gpu: 1 } },
  ])('adds $allowance to what the task asked for; gpus get none', ({ allowance, effective }) => {
    expect(effectiveResources(asked, allowance)).toEqual(effective);
  });

  it('sums cpu exactly, as placement counts it (0.1 + 0.2 is 0.3, not 0.30000000000000004)', () => {
    expect(effectiveResources({ cpu: 0.1, ramMb: 1, diskMb: 1, gpu: 0 }, { cpu: 0.2, ramMb: 0, diskMb: 0 }).cpu).toBe(0.3);
  });

  it('returns the resources themselves without an allowance, and leaves its input alone', () => {
    expect(effectiveResources(asked, NO_ALLOWANCE)).toBe(asked);
    effectiveResources(asked, { cpu: 1, ramMb: 1, diskMb: 1 });
    expect(asked).toEqual({ cpu: 0.1, ramMb: 1, diskMb: 8, gpu: 1 });
  });

  it('knows an allowance that adds nothing', () => {
    expect(isNoAllowance(NO_ALLOWANCE)).toBe(true);
    expect(isNoAllowance({ cpu: 0, ramMb: 0, diskMb: 1 })).toBe(false);
    expect(isNoAllowance(DEFAULT_EXECUTOR_ALLOWANCE)).toBe(false);
  });

  it("defaults to no cpu, 16 MiB of ram and 1 MiB of disk: below Aurora's 0.25 cpu and 128 MiB", () => {
    expect(DEFAULT_EXECUTOR_ALLOWANCE).toEqual({ cpu: 0, ramMb: 16, diskMb: 1 });
  });
});
