import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadClusters, parseClustersJson, plainClusters } from './clusters.js';
import { parseClustersFile } from './clusters-schema.js';
import { InvalidConfigurationError, InvalidParameterError } from './errors.js';
import { tempDir } from './testing/temp-dir.js';

describe('clusters.json', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.remove());

  it('knows devcluster with no clusters.json at all', async () => {
    const clusters = await loadClusters({ env: { AURORA_CONFIG_ROOT: tmp.dir } });
    expect(clusters.get('devcluster')).toMatchObject({
      schedulerUri: 'http://localhost:8081',
      authMechanism: 'UNAUTHENTICATED',
      source: 'built-in',
    });
  });

  it('reads $AURORA_CONFIG_ROOT/clusters.json with Aurora keys, and may override devcluster', async () => {
    const file = tmp.write(
      'clusters.json',
      JSON.stringify([
        { name: 'east', scheduler_uri: 'http://scheduler.east:8081/', auth_mechanism: 'BASIC', zk: 'zk.east' },
        { name: 'devcluster', scheduler_uri: 'http://127.0.0.1:9999' },
      ]),
    );
    const clusters = await loadClusters({ env: { AURORA_CONFIG_ROOT: tmp.dir } });
    expect(clusters.get('east')).toEqual({ name: 'east', schedulerUri: 'http://scheduler.east:8081', authMechanism: 'BASIC', source: file });
    expect(clusters.get('devcluster').schedulerUri).toBe('http://127.0.0.1:9999');
  });

  it('merges /etc/aurora and ~/.aurora, user entries winning', async () => {
    const files: Record<string, string> = {
      '/etc/aurora/clusters.json': JSON.stringify([
        { name: 'east', scheduler_uri: 'http://etc-east:8081' },
        { name: 'west', scheduler_uri: 'http://etc-west:8081' },
      ]),
      '/home/u/.aurora/clusters.json': JSON.stringify([{ name: 'east', scheduler_uri: 'http://my-east:8081' }]),
    };
    const clusters = await loadClusters({ env: {}, home: '/home/u', readFile: (f) => files[f] });
    expect(clusters.get('east').schedulerUri).toBe('http://my-east:8081');
    expect(clusters.get('west').schedulerUri).toBe('http://etc-west:8081');
    expect(clusters.searched).toEqual(['/etc/aurora/clusters.json', '/home/u/.aurora/clusters.json']);
  });

  it('reads ca_file relative to the clusters.json that names it', async () => {
    tmp.write(
      'clusters.json',
      JSON.stringify([
        { name: 'east', scheduler_uri: 'https://east:8081', auth_mechanism: 'BASIC', ca_file: 'certs/ca.pem' },
        { name: 'west', scheduler_uri: 'https://west:8081', ca_file: '/etc/ssl/west.pem' },
      ]),
    );
    const clusters = await loadClusters({ env: { AURORA_CONFIG_ROOT: tmp.dir } });
    expect(clusters.get('east').caFile).toBe(`${tmp.dir}/certs/ca.pem`);
    expect(clusters.get('west').caFile).toBe('/etc/ssl/west.pem');
    await expect(parseClustersJson(JSON.stringify([{ name: 'x', scheduler_uri: 'https://x', ca_file: '' }]), 'f')).rejects.toMatchObject({
      details: ['f: [0].ca_file: ca_file must be the path of a PEM file'],
    });
  });

  it("reads docker_registry (Aurora's key) as it is, without a trailing slash", async () => {
    tmp.write(
      'clusters.json',
      JSON.stringify([
        { name: 'east', scheduler_uri: 'http://east:8081', docker_registry: 'https://registry.east:5000/' },
        { name: 'west', scheduler_uri: 'http://west:8081' },
      ]),
    );
    const clusters = await loadClusters({ env: { AURORA_CONFIG_ROOT: tmp.dir } });
    expect(clusters.get('east').dockerRegistry).toBe('https://registry.east:5000');
    expect(clusters.get('west').dockerRegistry).toBeUndefined();
    await expect(parseClustersJson(JSON.stringify([{ name: 'x', scheduler_uri: 'http://x', docker_registry: '' }]), 'f')).rejects.toMatchObject({
      details: ['f: [0].docker_registry: docker_registry must be the URL of a Docker registry, such as https://registry.example.com'],
    });
  });

  it('names the known clusters and where it looked for an unknown one', async () => {
    tmp.write('clusters.json', JSON.stringify([{ name: 'east', scheduler_uri: 'http://east:8081' }]));
    const clusters = await loadClusters({ env: { AURORA_CONFIG_ROOT: tmp.dir } });
    expect(() => clusters.get('west')).toThrow(InvalidParameterError);
    expect(() => clusters.get('west')).toThrow(
      `Unknown cluster 'west'. Known clusters: devcluster, east (built in, and from ${tmp.dir}/clusters.json)`,
    );
  });

  it('says which entry of a malformed file is wrong', async () => {
    let err: unknown;
    try {
      await parseClustersJson(JSON.stringify([{ name: 'ok', scheduler_uri: 'http://ok' }, { name: 'bad', scheduler_uri: 'not a url' }]), 'x/clusters.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidConfigurationError);
    expect((err as InvalidConfigurationError).details).toEqual([
      'x/clusters.json: [1].scheduler_uri: scheduler_uri must be a URL such as http://localhost:8081',
    ]);
    await expect(parseClustersJson('{ nope', 'y/clusters.json')).rejects.toThrow(/^y\/clusters\.json is not valid JSON/);
    await expect(parseClustersJson('{}', 'z/clusters.json')).rejects.toThrow(InvalidConfigurationError);
  });

  it('reads a plain file without the schema only when the schema reads it the same', () => {
    const entries: unknown[] = [
      { name: 'a', scheduler_uri: 'http://a:8081/' },
      { name: 'b', scheduler_uri: 'https://b.example/aurora', auth_mechanism: 'BASIC', zk: 'zk', allowed_environments: ['qa', 'perf.1'] },
      { name: '', scheduler_uri: 'http://a' },
      { name: 'c', scheduler_uri: ' http://padded ' },
      { name: 'c', scheduler_uri: 'http://exa\nmple' },
      { name: 'c', scheduler_uri: 'not a url' },
      { name: 'c', scheduler_uri: 'http://c', auth_mechanism: 'KERBEROS' },
      { name: 'c', scheduler_uri: 'http://c', auth_mechanism: null },
      { name: 'c', scheduler_uri: 'http://c', allowed_environments: ['q a'] },
      { name: 'c', scheduler_uri: 'http://c', allowed_environments: null },
      { name: 'd', scheduler_uri: 'https://d', ca_file: 'certs/ca.pem' },
      { name: 'c', scheduler_uri: 'https://c', ca_file: '' },
      { name: 'c', scheduler_uri: 'https://c', ca_file: 7 },
      { name: 'e', scheduler_uri: 'http://e', docker_registry: 'https://registry.e:5000/' },
      { name: 'c', scheduler_uri: 'http://c', docker_registry: '' },
      { name: 'c', scheduler_uri: 'http://c', docker_registry: ['https://r'] },
      { name: 7, scheduler_uri: 'http://c' },
      ['x'],
      null,
    ];
    let plain = 0;
    for (const e of entries) {
      const fast = plainClusters([e], 'f');
      let slow: unknown;
      try {
        slow = parseClustersFile([e], 'f');
      } catch {
        slow = 'invalid';
      }
      if (fast !== undefined) {
        plain++;
        expect(fast, JSON.stringify(e)).toEqual(slow);
      }
    }
    expect(plain).toBe(4);
    expect(plainClusters({}, 'f')).toBeUndefined();
  });
});
