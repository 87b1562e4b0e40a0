import { describe, expect, it } from 'vitest';
import { formatJobKey, parseInstanceKey, parseInstances, parseJobKey, parseJobKeyPrefix } from './job-key.js';

describe('parseJobKey', () => {
  it('reads cluster/role/environment/name', () => {
    const key = parseJobKey('devcluster/www-data/prod/hello');
    expect(key).toEqual({ cluster: 'devcluster', role: 'www-data', environment: 'prod', name: 'hello' });
    expect(formatJobKey(key)).toBe('devcluster/www-data/prod/hello');
  });

  it('accepts staging environments with a number', () => {
    expect(parseJobKey('c/r/staging12/n').environment).toBe('staging12');
  });

  it('says what shape it expected when parts are missing', () => {
    expect(() => parseJobKey('devcluster/www-data/hello')).toThrow(/expected cluster\/role\/environment\/name/);
    expect(() => parseJobKey('devcluster//prod/hello')).toThrow(/expected cluster\/role\/environment\/name/);
  });

  it('names the rule a component broke', () => {
    expect(() => parseJobKey('devcluster/www data/prod/hello')).toThrow(/role may only contain/);
    expect(() => parseJobKey('devcluster/www-data/production/hello')).toThrow(/environment must be 'prod', 'devel', 'test' or 'staging<N>'/);
    expect(() => parseJobKey(`devcluster/www-data/prod/${'x'.repeat(256)}`)).toThrow(/at most 255 characters/);
  });
});

describe('instances', () => {
  it('parses ranges and lists into sorted unique ids', () => {
    expect(parseInstances('3,0-2,2')).toEqual([0, 1, 2, 3]);
    expect(parseInstanceKey('devcluster/www-data/prod/hello/0-1').instances).toEqual([0, 1]);
    expect(parseInstanceKey('devcluster/www-data/prod/hello').instances).toBeUndefined();
  });

  it('rejects ranges that make no sense', () => {
    expect(() => parseInstances('2-1')).toThrow(/ends before it starts/);
    expect(() => parseInstances('a')).toThrow(/not an instance list/);
  });
});

describe('parseJobKeyPrefix', () => {
  it('reads cluster/role for job list', () => {
    expect(parseJobKeyPrefix('devcluster/www-data')).toEqual({ cluster: 'devcluster', role: 'www-data' });
    expect(() => parseJobKeyPrefix('a/b/c/d')).toThrow(/cluster\/role/);
  });
});
