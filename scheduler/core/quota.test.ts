import { describe, expect, it } from 'vitest';
import type { ResourceAmounts } from '../api/quota-api.js';
import { addAmounts, checkQuota, countsAgainstQuota, NO_RESOURCES, parseDataSize, scaleAmounts, type QuotaCheckInput } from './quota.js';

const amounts = (cpu: number, ramMb = 0, diskMb = 0, gpu = 0): ResourceAmounts => ({ cpu, ramMb, diskMb, gpu });

describe('addAmounts and scaleAmounts', () => {
  it('adds exactly to a millionth', () => {
    expect(addAmounts(amounts(0.1, 1), amounts(0.2, 2), amounts(0.3, 3, 4, 1))).toEqual(amounts(0.6, 6, 4, 1));
    expect(addAmounts()).toEqual(NO_RESOURCES);
  });

  it('scales a task\'s resources by its instances', () => {
    expect(scaleAmounts({ cpu: 0.1, ramMb: 128, diskMb: 256, gpu: 0 }, 3)).toEqual(amounts(0.3, 384, 768, 0));
    expect(scaleAmounts(amounts(0.25, 1, 1, 1), 0)).toEqual(NO_RESOURCES);
  });
});

describe('countsAgainstQuota', () => {
  it.each([
    [true, {}, true],
    [true, { rack: 'r1' }, true],
    [true, { dedicated: 'www-data/db' }, false],
    [false, {}, false],
    [false, { dedicated: 'www-data/db' }, false],
  ])('production %s with constraints %o: %s', (production, constraints, expected) => {
    expect(countsAgainstQuota({ production, constraints })).toBe(expected);
  });
});

describe('checkQuota', () => {
  const base: QuotaCheckInput = {
    role: 'www-data',
    quota: amounts(12, 1024, 10_240, 0),
    activeProduction: NO_RESOURCES,
    updateAdds: NO_RESOURCES,
    cronTemplates: NO_RESOURCES,
    request: NO_RESOURCES,
  };

  it.each<[string, Partial<QuotaCheckInput>, ReturnType<typeof checkQuota>]>([
    ['an empty request', {}, { ok: true }],
    ['a request that fits exactly', { activeProduction: amounts(8, 512), request: amounts(4, 512) }, { ok: true }],
    [
      'a request that fits exactly beside tasks, updates and cron templates',
      { activeProduction: amounts(5, 100, 100), updateAdds: amounts(3.5, 200, 200), cronTemplates: amounts(3, 300, 9_000), request: amounts(0.5, 424, 940) },
      { ok: true },
    ],
    [
      'cpu shares whose floating-point sum exceeds the quota (0.1 + 0.2 of 0.3)',
      { quota: amounts(0.3, 10, 10), activeProduction: amounts(0.1, 1, 1), request: amounts(0.2, 1, 1) },
      { ok: true },
    ],
    [
      'the example: cpu and ram short',
      { activeProduction: amounts(10), request: amounts(4, 2048, 1) },
      {
        ok: false,
        shortfalls: [
          { resource: 'cpu', needed: 4, inUse: 10, allowed: 12 },
          { resource: 'ram', needed: 2048, inUse: 0, allowed: 1024 },
        ],
        message: 'Insufficient quota for role www-data: cpu needed 4, in use 10, allowed 12; ram needed 2048 MiB, in use 0 MiB, allowed 1024 MiB',
      },
    ],
    [
      'use summed from tasks, updates and cron templates',
      { activeProduction: amounts(5, 100, 100), updateAdds: amounts(3.5, 200, 200), cronTemplates: amounts(3, 300, 10_000), request: amounts(0.75, 1, 1) },
      {
        ok: false,
        shortfalls: [
          { resource: 'cpu', needed: 0.75, inUse: 11.5, allowed: 12 },
          { resource: 'disk', needed: 1, inUse: 10_300, allowed: 10_240 },
        ],
        message: 'Insufficient quota for role www-data: cpu needed 0.75, in use 11.5, allowed 12; disk needed 1 MiB, in use 10300 MiB, allowed 10240 MiB',
      },
    ],
    [
      'gpus, and no role named',
      { role: undefined, request: amounts(1, 1, 1, 2) },
      { ok: false, shortfalls: [{ resource: 'gpu', needed: 2, inUse: 0, allowed: 0 }], message: 'Insufficient quota: gpu needed 2, in use 0, allowed 0' },
    ],
    [
      'cpu in use over a lowered quota does not block a request that adds no cpu',
      { quota: amounts(1, 1024, 1024, 1), activeProduction: amounts(4), request: amounts(0, 1, 1, 1) },
      { ok: true },
    ],
    [
      'a role without quota',
      { quota: NO_RESOURCES, request: amounts(0.1, 16, 16) },
      {
        ok: false,
        shortfalls: [
          { resource: 'cpu', needed: 0.1, inUse: 0, allowed: 0 },
          { resource: 'ram', needed: 16, inUse: 0, allowed: 0 },
          { resource: 'disk', needed: 16, inUse: 0, allowed: 0 },
        ],
        message: 'Insufficient quota for role www-data: cpu needed 0.1, in use 0, allowed 0; ram needed 16 MiB, in use 0 MiB, allowed 0 MiB; disk needed 16 MiB, in use 0 MiB, allowed 0 MiB',
      },
    ],
  ])('%s', (_name, overrides, expected) => {
    expect(checkQuota({ ...base, ...overrides })).toEqual(expected);
  });

  it('shows cpu sums without floating-point noise', () => {
    const result = checkQuota({ ...base, quota: amounts(0.3), activeProduction: addAmounts(amounts(0.1), amounts(0.2)), request: amounts(0.1) });
    expect(result.ok ? '' : result.message).toBe('Insufficient quota for role www-data: cpu needed 0.1, in use 0.3, allowed 0.3');
  });
});

describe('parseDataSize (Aurora\'s parse_data, in MiB)', () => {
  it.each([
    ['0', 0],
    ['1048576', 1],
    ['3145728', 3],
    ['1024k', 1],
    ['1500k', 1],
    ['1500KB', 1],
    ['10m', 10],
    ['50M', 50],
    ['4096MB', 4096],
    ['4096mb', 4096],
    ['2GB', 2048],
    ['2g', 2048],
    ['1t', 1_048_576],
    ['1Tb', 1_048_576],
    [' 512 m ', 512],
    ['+64m', 64],
  ])('%j is %d MiB', (text, mib) => {
    expect(parseDataSize(text)).toBe(mib);
  });

  it.each([
    ['', '"" is not a size: write a whole number with an optional unit k, m, g or t (e.g. 512m, 4g)'],
    ['lots', '"lots" is not a size: write a whole number with an optional unit k, m, g or t (e.g. 512m, 4g)'],
    ['g', '"g" is not a size: write a whole number with an optional unit k, m, g or t (e.g. 512m, 4g)'],
    ['1 2m', '"1 2m" is not a size: write a whole number with an optional unit k, m, g or t (e.g. 512m, 4g)'],
    ['1e3m', '"1e3m" is not a size: write a whole number with an optional unit k, m, g or t (e.g. 512m, 4g)'],
    ['512b', '"512b" has the unknown unit "b": use k, kb, m, mb, g, gb, t or tb (or none, for bytes)'],
    ['4GiB', '"4GiB" has the unknown unit "GiB": use k, kb, m, mb, g, gb, t or tb (or none, for bytes)'],
    ['2p', '"2p" has the unknown unit "p": use k, kb, m, mb, g, gb, t or tb (or none, for bytes)'],
    ['-1g', '"-1g" is negative: a size is 0 or more'],
    ['1.5g', '"1.5g" is not a whole number; sizes are whole numbers of their unit, as in Aurora: write 1536m'],
    ['1.0', '"1.0" is not a whole number; sizes are whole numbers of their unit, as in Aurora'],
    ['0.5k', '"0.5k" is not a whole number; sizes are whole numbers of their unit, as in Aurora'],
    ['4096', '"4096" is less than 1 MiB (a number without a unit is bytes, as in Aurora): write 4096m for MiB'],
    ['100k', '"100k" is less than 1 MiB'],
    ['99999999999t', '"99999999999t" is too large'],
  ])('refuses %j', (text, message) => {
    expect(() => parseDataSize(text)).toThrow(message);
    try {
      parseDataSize(text);
    } catch (e) {
      expect((e as Error).name).toBe('DataSizeError');
      expect((e as Error).message).toBe(message);
    }
  });
});
