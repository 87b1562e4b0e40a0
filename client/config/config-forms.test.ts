import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseJobKey } from '../../dsl/job-key.js';
import { configFailure } from '../testing/config-failure.js';
import { tempDir } from '../testing/temp-dir.js';
import { cachedSpec } from './fast-path.js';
import { digestPathProblem, userName } from './host.js';
import { definedKeys } from './jobs.js';
import { compileConfigJob, compileConfigJobs, loadConfig } from './loader.js';

/** The forms Aurora configs come over with (issue 12): how a file defines jobs, templated keys, the host helpers. */

const HEAD = `import { Job, MesosJob, Process, Resources, Task, MB, currentUser, fileDigest } from '@aurora/dsl';
const task = Task({ processes: [Process({ name: 'p', cmdline: 'echo {{role}}' })], resources: Resources({ cpu: 0.1, ram: 16 * MB, disk: 16 * MB }) });
`;

describe('config forms', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.remove());
  const load = (name: string, text: string, user = 'alice') => {
    tmp.write(name, text);
    return loadConfig(name, { cwd: tmp.dir, user });
  };

  describe('how a file defines its jobs', () => {
    it('export default of a job, or of a list of jobs; MesosJob is Job', () => {
      const one = load('one.aurora.ts', `${HEAD}export default MesosJob({ cluster: 'c', role: 'r', environment: 'test', name: 'a', task });\n`);
      expect(definedKeys(one.jobs)).toEqual(['c/r/test/a']);
      const list = load(
        'list.aurora.ts',
        `${HEAD}export default [Job({ cluster: 'c', role: 'r', environment: 'test', name: 'a', task }), MesosJob({ cluster: 'c', role: 'r', environment: 'test', name: 'b', task })];\n`,
      );
      expect(definedKeys(list.jobs)).toEqual(['c/r/test/a', 'c/r/test/b']);
      expect(compileConfigJob(list, parseJobKey('c/r/test/b'), {}).task.processes[0]?.cmdline).toBe('echo r');
    });

    it('export const jobs still works, also with the same list as the default; a different default is refused', () => {
      const both = load('both.aurora.ts', `${HEAD}export const jobs = [Job({ cluster: 'c', role: 'r', environment: 'test', name: 'a', task })];\nexport default jobs;\n`);
      expect(definedKeys(both.jobs)).toEqual(['c/r/test/a']);
      const err = configFailure(() =>
        load('two.aurora.ts', `${HEAD}export const jobs = [Job({ cluster: 'c', role: 'r', environment: 'test', name: 'a', task })];\nexport default [];\n`),
      );
      expect(err.message).toMatch(/exports both 'jobs' and a default; export the jobs one way/);
      const bad = configFailure(() => load('bad.aurora.ts', `${HEAD}export default [1];\n`));
      expect(bad.message).toBe('bad.aurora.ts: default[0] is not a job: make it with Job({...}) or Service({...})');
    });
  });

  describe('templated job keys', () => {
    const CONFIG = `${HEAD}export const jobs = [
  Job({ cluster: 'devcluster', role: '{{profile.role}}', environment: 'test', name: 'web', task }).bind({ profile: { role: 'www-data' } }),
  Job({ cluster: '{{cluster_binding}}', role: 'r', environment: 'test', name: 'other', task }),
];
`;

    it('are matched bound, with the config bindings and --bind', () => {
      const config = load('keys.aurora.ts', CONFIG);
      expect(definedKeys(config.jobs, { cluster_binding: 'east' })).toEqual(['devcluster/www-data/test/web', 'east/r/test/other']);
      expect(compileConfigJob(config, parseJobKey('devcluster/www-data/test/web'), {}).task.processes[0]?.cmdline).toBe('echo www-data');
      expect(compileConfigJob(config, parseJobKey('devcluster/alice/test/web'), { 'profile.role': 'alice' }).key.role).toBe('alice');
      expect(compileConfigJob(config, parseJobKey('east/r/test/other'), { cluster_binding: 'east' }).key.cluster).toBe('east');
    });

    it('say what is missing when a key still holds a template', () => {
      const config = load('keys.aurora.ts', CONFIG);
      const err = configFailure(() => compileConfigJob(config, parseJobKey('east/r/test/other'), {}));
      expect(err.message).toBe(
        'Job east/r/test/other not found in keys.aurora.ts; it defines: devcluster/www-data/test/web, {{cluster_binding}}/r/test/other; ' +
          'a key holding {{...}} needs its variables bound, with .bind() in the config or --bind NAME=VALUE',
      );
    });

    it('a number that is not one is reported at the config line that templated it', () => {
      const config = load(
        'n.aurora.ts',
        `${HEAD}export const jobs = [
  Job({ cluster: 'c', role: 'r', environment: 'test', name: 'a', task,
    instances: '{{profile.instances}}' }).bind({ profile: { instances: 'three' } }),
];
`,
      );
      const { diagnostics } = compileConfigJobs(config, {});
      expect(diagnostics.map((d) => `${path.basename(d.file ?? '')}:${d.line}:${d.column} ${d.message}`)).toEqual([
        'n.aurora.ts:5:16 job c/r/test/a: instances: expected a number (found "three")',
      ]);
      expect(compileConfigJobs(config, { 'profile.instances': '2' }).specs[0]?.instances).toBe(2);
    });
  });

  describe('currentUser()', () => {
    it("is the client's user, as getpass.getuser() finds it", () => {
      const config = load('u.aurora.ts', `${HEAD}export default Job({ cluster: 'c', role: currentUser(), environment: 'test', name: 'a', task });\n`, 'bob');
      expect(definedKeys(config.jobs)).toEqual(['c/bob/test/a']);
      expect(userName({ LOGNAME: 'l', USER: 'u' })).toBe('l');
      expect(userName({ USER: 'u', USERNAME: 'n' })).toBe('u');
      expect(userName({ USERNAME: 'n' })).toBe('n');
      expect(userName({}).length).toBeGreaterThan(0);
    });
  });

  describe('fileDigest()', () => {
    const CONFIG = (p: string, algorithm = 'md5') =>
      `${HEAD}const sum = fileDigest('${algorithm}', '${p}');
export default Job({ cluster: 'c', role: 'r', environment: 'test', name: 'a',
  task: Task({ processes: [Process({ name: 'fetch', cmdline: \`echo \${sum}\` })], resources: Resources({ cpu: 0.1, ram: 16 * MB, disk: 16 * MB }) }) });
`;
    const digest = (algorithm: string, text: string) => createHash(algorithm).update(text).digest('hex');

    it('is the digest of a file next to the config, by a relative path', () => {
      tmp.write('payload/app.tgz', 'version 1');
      for (const algorithm of ['md5', 'sha1', 'sha256', 'sha512']) {
        const config = load('d.aurora.ts', CONFIG('./payload/app.tgz', algorithm));
        expect(compileConfigJob(config, parseJobKey('c/r/test/a'), {}).task.processes[0]?.cmdline).toBe(`echo ${digest(algorithm, 'version 1')}`);
        expect(config.inputs.map((i) => path.basename(i.path))).toEqual(['app.tgz']);
      }
    });

    it('refuses absolute paths, paths out of the config directory and links that lead out, at the config line', () => {
      tmp.write('inside/secret', 'x');
      tmp.write('cfg/ok', 'x');
      symlinkSync(path.join(tmp.dir, 'inside', 'secret'), path.join(tmp.dir, 'cfg', 'link'));
      const fail = (p: string) => {
        tmp.write('cfg/d.aurora.ts', CONFIG(p));
        return configFailure(() => loadConfig('cfg/d.aurora.ts', { cwd: tmp.dir, user: 'alice' })).details[0];
      };
      expect(fail('/etc/passwd')).toMatch(
        /^cfg\/d\.aurora\.ts:3:\d+ - error: the config threw Error: fileDigest\("md5", "\/etc\/passwd"\): absolute paths are refused: a config reads only files in its own directory/,
      );
      expect(fail('../inside/secret')).toMatch(/fileDigest\("md5", "\.\.\/inside\/secret"\): the path leaves the config's directory/);
      expect(fail('./link')).toMatch(/the path is a link that leads out of the config's directory/);
      expect(fail('./missing')).toMatch(/fileDigest\("md5", "\.\/missing"\): there is no such file in the config's directory/);
      expect(digestPathProblem('/a/b', 'c/../d')).toBeUndefined();
      expect(digestPathProblem('/a/b', 'c/../../d')).toMatch(/leaves/);
    });

    it("makes the file's content part of the compiled spec's cache key", () => {
      const cacheDir = path.join(tmp.dir, 'cache');
      tmp.write('payload.tgz', 'version 1');
      tmp.write('d.aurora.ts', CONFIG('./payload.tgz'));
      const ask = () => cachedSpec('d.aurora.ts', { cwd: tmp.dir, cacheDir, jobKey: 'c/r/test/a', bindings: {}, user: 'alice' });
      const config = loadConfig('d.aurora.ts', { cwd: tmp.dir, cacheDir, user: 'alice' });
      const spec = compileConfigJob(config, parseJobKey('c/r/test/a'), {});
      expect(ask()).toEqual(spec);
      writeFileSync(path.join(tmp.dir, 'payload.tgz'), 'version 2');
      expect(ask()).toBeUndefined();
      const again = compileConfigJob(loadConfig('d.aurora.ts', { cwd: tmp.dir, cacheDir, user: 'alice' }), parseJobKey('c/r/test/a'), {});
      expect(again.task.processes[0]?.cmdline).toBe(`echo ${digest('md5', 'version 2')}`);
      expect(ask()).toEqual(again);
    });
  });

  it('the DSL host functions throw outside the loader', async () => {
    const dsl = await import('../../dsl/index.js');
    expect(() => dsl.currentUser()).toThrow(/available only in a config the aurora client loads/);
    mkdirSync(path.join(tmp.dir, 'x'), { recursive: true });
    expect(() => dsl.fileDigest('md5', './x')).toThrow(/available only in a config the aurora client loads/);
  });
});
