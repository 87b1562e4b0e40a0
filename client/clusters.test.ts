import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadClusters, parseClustersJson } from './clusters.js';
import { InvalidConfigurationError, InvalidParameterError } from './errors.js';
import { tempDir } from './testing/temp-dir.js';

describe('clusters.json', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.remove());

  it('knows devcluster with no clusters.json at all', () => {
    const clusters = loadClusters({ env: { AURORA_CONFIG_ROOT: tmp.dir } });
    expect(clusters.get('devcluster')).toMatchObject({
      schedulerUri: 'http://localhost:8081',
      authMechanism: 'UNAUTHENTICATED',
      source: 'built-in',
    });
  });

  it('reads $AURORA_CONFIG_ROOT/clusters.json with Aurora keys, and may override devcluster', () => {
    const file = tmp.write(
      'clusters.json',
      JSON.stringify([
        { name: 'east', scheduler_uri: 'http://scheduler.east:8081/', auth_mechanism: 'BASIC', zk: 'zk.east' },
        { name: 'devcluster', scheduler_uri: 'http://127.0.0.1:9999' },
      ]),
    );
    const clusters = loadClusters({ env: { AURORA_CONFIG_ROOT: tmp.dir } });
    expect(clusters.get('east')).toEqual({ name: 'east', schedulerUri: 'http://scheduler.east:8081', authMechanism: 'BASIC', source: file });
    expect(clusters.get('devcluster').schedulerUri).toBe('http://127.0.0.1:9999');
  });

  it('merges /etc/aurora and ~/.aurora, user entries winning', () => {
    const files: Record<string, string> = {
      '/etc/aurora/clusters.json': JSON.stringify([
        { name: 'east', scheduler_uri: 'http://etc-east:8081' },
        { name: 'west', scheduler_uri: 'http://etc-west:8081' },
      ]),
      '/home/u/.aurora/clusters.json': JSON.stringify([{ name: 'east', scheduler_uri: 'http://my-east:8081' }]),
    };
    const clusters = loadClusters({ env: {}, home: '/home/u', readFile: (f) => files[f] });
    expect(clusters.get('east').schedulerUri).toBe('http://my-east:8081');
    expect(clusters.get('west').schedulerUri).toBe('http://etc-west:8081');
    expect(clusters.searched).toEqual(['/etc/aurora/clusters.json', '/home/u/.aurora/clusters.json']);
  });

  it('names the known clusters and where it looked for an unknown one', () => {
    tmp.write('clusters.json', JSON.stringify([{ name: 'east', scheduler_uri: 'http://east:8081' }]));
    const clusters = loadClusters({ env: { AURORA_CONFIG_ROOT: tmp.dir } });
    expect(() => clusters.get('west')).toThrow(InvalidParameterError);
    expect(() => clusters.get('west')).toThrow(
      `Unknown cluster 'west'. Known clusters: devcluster, east (built in, and from ${tmp.dir}/clusters.json)`,
    );
  });

  it('says which entry of a malformed file is wrong', () => {
    let err: unknown;
    try {
      parseClustersJson(JSON.stringify([{ name: 'ok', scheduler_uri: 'http://ok' }, { name: 'bad', scheduler_uri: 'not a url' }]), 'x/clusters.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidConfigurationError);
    expect((err as InvalidConfigurationError).details).toEqual([
      'x/clusters.json: [1].scheduler_uri: scheduler_uri must be a URL such as http://localhost:8081',
    ]);
    expect(() => parseClustersJson('{ nope', 'y/clusters.json')).toThrow(/^y\/clusters\.json is not valid JSON/);
    expect(() => parseClustersJson('{}', 'z/clusters.json')).toThrow(InvalidConfigurationError);
  });
});
