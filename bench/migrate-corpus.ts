#!/usr/bin/env node
/**
 * How much of Apache Aurora's own config corpus `aurora config migrate` brings over: every
 * `.aurora` file under examples/jobs and src/test/sh/org/apache/aurora/e2e of a checkout of
 * apache/aurora, and the whole configs in its docs/ (code blocks that define `jobs`, or that the
 * text introduces as a `.aurora` file). Each is migrated (included files too), written, loaded with
 * the real loader (type-check, evaluate) and every job compiled, with the bindings Aurora's
 * end-to-end script passes. When Pystachio can run (a checkout of wickman/pystachio with
 * --pystachio, or one python3 imports), each compiled job is compared with what Aurora's own
 * schema gives (bench/aurora-pystachio.py): keys, instances, process names and command lines,
 * resources, order constraints, update settings, health checker kind, container, SLA and
 * partition policies, announce and contact. Prints figures; asserts nothing.
 *
 *   npm run bench:migrate -- --aurora ~/src/aurora [--pystachio ~/src/pystachio] [--json] [--verbose] [--keep DIR]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { compileConfigJobs, loadConfig } from '../client/config/index.js';
import { migrateAuroraConfig, type MigrateOptions } from '../client/migrate/index.js';
import { projectRoot } from '../devcluster/daemons.js';
import type { JobSpec } from '../dsl/jobspec.js';

const argv = await yargs(hideBin(process.argv))
  .option('aurora', { type: 'string', demandOption: true, describe: 'a checkout of apache/aurora (a plain directory)' })
  .option('pystachio', { type: 'string', describe: 'a checkout of wickman/pystachio (default: the one python3 imports, if any)' })
  .option('json', { type: 'boolean', default: false, describe: 'one JSON object per row' })
  .option('verbose', { type: 'boolean', default: false, describe: 'a line per file and per job that fails' })
  .option('keep', { type: 'string', describe: 'write the migrated files here (default: a temporary directory, removed)' })
  .strict()
  .parseAsync();

const AURORA = path.resolve(argv.aurora);
const USER = 'vagrant';

/** One config of the corpus. */
interface Entry {
  readonly group: 'examples/jobs' | 'e2e' | 'docs';
  /** Where it comes from: a path in the checkout, or `docs/x.md:LINE`. */
  readonly name: string;
  /** The .aurora file (for docs, extracted into the work directory). */
  readonly file: string;
}

// ---- the corpus ----------------------------------------------------------------------------------

function aurorasUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir).sort()) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) out.push(...aurorasUnder(p));
    else if (e.endsWith('.aurora')) out.push(p);
  }
  return out;
}

interface Block {
  readonly line: number;
  readonly text: string;
  /** The `.aurora` file name the text introduces it as, if any. */
  readonly fileName?: string;
}

/** Code blocks of a Markdown page: fenced, and indented by four spaces. Pure. */
export function codeBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: { line: number; body: string[] }[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string;
    if (/^```/.test(l)) {
      const body: string[] = [];
      let j = i + 1;
      for (; j < lines.length && !/^```/.test(lines[j] as string); j++) body.push(lines[j] as string);
      blocks.push({ line: i + 2, body });
      i = j;
    } else if (l.startsWith('    ') && (i === 0 || (lines[i - 1] as string).trim() === '')) {
      const body: string[] = [];
      let j = i;
      for (; j < lines.length && ((lines[j] as string).startsWith('    ') || (lines[j] as string).trim() === ''); j++) {
        body.push((lines[j] as string).slice(4));
      }
      while (body.length > 0 && (body[body.length - 1] as string).trim() === '') body.pop();
      blocks.push({ line: i + 1, body });
      i = j - 1;
    }
  }
  return blocks.map(({ line, body }) => {
    const before = lines.slice(Math.max(0, line - 6), line - 1).join(' ');
    let text = body;
    let at = line;
    if (/^\$ cat /.test(body[0] ?? '')) {
      text = body.slice(1); // `$ cat /vagrant/examples/jobs/x.aurora` and the file's text
      at++;
    }
    const named = [...`${before} ${body[0] ?? ''}`.matchAll(/([\w.-]+\.aurora)\b/g)].map((m) => m[1] as string);
    const fileName = /^\$ cat /.test(body[0] ?? '') ? path.basename((body[0] as string).slice(6).trim()) : named[0];
    return { line: at, text: `${text.join('\n')}\n`, ...(fileName ? { fileName } : {}) };
  });
}

/** A whole config: it defines `jobs`, or the text names it as a `.aurora` file. */
function isWholeConfig(b: Block): boolean {
  if (!/\b(Process|Job|Service|Task|SequentialTask|Resources)\(/.test(b.text)) return false;
  return /^jobs\s*=/m.test(b.text) || b.fileName !== undefined;
}

function docEntries(work: string): Entry[] {
  const docs = path.join(AURORA, 'docs');
  const out: Entry[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir).sort()) {
      const p = path.join(dir, e);
      if (statSync(p).isDirectory()) walk(p);
      else if (e.endsWith('.md')) {
        const rel = path.relative(AURORA, p);
        for (const b of codeBlocks(readFileSync(p, 'utf8')).filter(isWholeConfig)) {
          // blocks of one page share a directory, so an include('x.aurora') finds the block named x.aurora
          const dirOut = path.join(work, 'corpus', rel.replace(/\.md$/, ''));
          mkdirSync(dirOut, { recursive: true });
          const file = path.join(dirOut, b.fileName ?? `L${b.line}.aurora`);
          writeFileSync(file, b.text);
          // a block that reads a file (the tutorial's md5 of /vagrant/hello_world.py) finds one beside it,
          // where bench/aurora-pystachio.py has Aurora read it and the migrated fileDigest() reads it
          if (/\bopen\(/.test(b.text)) {
            for (const m of b.text.matchAll(/['"](\/?[\w./-]+\.\w+)['"]/g)) {
              const beside = path.join(dirOut, path.basename(m[1] as string));
              if (!(m[1] as string).endsWith('.aurora') && !existsSync(beside)) writeFileSync(beside, 'print("hello world")\n');
            }
          }
          out.push({ group: 'docs', name: `${rel}:${b.line}`, file });
        }
      }
    }
  };
  if (existsSync(docs)) walk(docs);
  return out;
}

// ---- bindings: what Aurora's end-to-end script passes ---------------------------------------------

function bindingsFor(file: string, source: string): Record<string, string> {
  const b: Record<string, string> = {};
  const base = path.basename(file);
  if (base.startsWith('http_example')) Object.assign(b, { 'profile.instances': '3', appc_image_id: 'sha512-x' });
  if (base === 'ephemeral_daemon_with_final.aurora') b['stop_file'] = '/tmp/stop_file';
  if (base === 'test_daemonizing_process.aurora') b['term_file'] = '/tmp/term_file';
  // {{docker.image[name][tag]}} is resolved through a registry at submission; bound here as name:tag
  for (const m of source.matchAll(/\{\{docker\.image\[([^\]]+)\]\[([^\]]+)\]\}\}/g)) b[`docker.image[${m[1]}][${m[2]}]`] = `${m[1]}:${m[2]}`;
  return b;
}

// ---- the normalized job, as bench/aurora-pystachio.py prints it -----------------------------------

type Normal = Readonly<Record<string, unknown>>;

function normalize(s: JobSpec): Normal {
  const k = s.key;
  let container: unknown = null;
  if (s.container && 'docker' in s.container) container = { docker: { image: s.container.docker.image, parameters: s.container.docker.parameters } };
  else if (s.container) container = s.container;
  const u = s.updateConfig;
  return {
    key: `${k.cluster}/${k.role}/${k.environment}/${k.name}`,
    instances: s.instances,
    service: s.service,
    cronSchedule: s.cronSchedule,
    cronCollisionPolicy: s.cronCollisionPolicy,
    tier: s.tier,
    production: s.production,
    contact: s.contact,
    processes: s.task.processes.map((p) => ({ name: p.name, cmdline: p.cmdline })),
    orderConstraints: s.task.constraints.map((c) => c.order),
    resources: { cpu: s.task.resources.cpu, ramMb: s.task.resources.ramMb, diskMb: s.task.resources.diskMb, gpu: s.task.resources.gpu ?? 0 },
    update: {
      strategy: u.strategy,
      watchSecs: u.watchSecs,
      maxPerInstanceFailures: u.maxPerInstanceFailures,
      maxTotalFailures: u.maxTotalFailures,
      rollbackOnFailure: u.rollbackOnFailure,
      pulseIntervalSecs: u.pulseIntervalSecs,
      slaAware: u.slaAware,
    },
    healthChecker: s.healthCheck.checker.kind,
    container,
    announce: s.announce,
    slaPolicy: s.slaPolicy,
    partitionPolicy: s.partitionPolicy,
  };
}

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as object).sort(([a], [b]) => a.localeCompare(b))) : x,
  );
}

/** The fields where two normalized jobs differ. */
function differences(ours: Normal, aurora: Normal): string[] {
  return Object.keys(aurora).filter((f) => f !== 'problem' && canonical(ours[f]) !== canonical(aurora[f]));
}

// ---- Pystachio ------------------------------------------------------------------------------------

type Reference = { ok: true; jobs: Normal[] } | { ok: false; error: string };

function pystachioAvailable(): { ok: true } | { ok: false; why: string } {
  if (!existsSync(path.join(AURORA, 'src', 'main', 'python', 'apache', 'aurora', 'config', 'schema', 'base.py'))) {
    return { ok: false, why: `${AURORA} has no src/main/python/apache/aurora/config/schema/base.py` };
  }
  const probe = argv.pystachio
    ? spawnSync('python3', ['-c', 'import sys; sys.path.insert(0, sys.argv[1]); import pystachio', path.resolve(argv.pystachio)])
    : spawnSync('python3', ['-c', 'import pystachio']);
  if (probe.error) return { ok: false, why: `python3 does not run (${probe.error.message})` };
  if (probe.status !== 0) return { ok: false, why: argv.pystachio ? `Pystachio does not load from ${argv.pystachio}` : 'python3 has no pystachio (pass --pystachio DIR, a checkout of wickman/pystachio)' };
  return { ok: true };
}

function references(work: string, requests: { file: string; bindings: Record<string, string> }[]): Map<string, Reference> {
  const req = path.join(work, 'pystachio-requests.json');
  writeFileSync(req, JSON.stringify(requests));
  const script = path.join(projectRoot, 'bench', 'aurora-pystachio.py');
  const args = [script, '--aurora', AURORA, '--user', USER, ...(argv.pystachio ? ['--pystachio', path.resolve(argv.pystachio)] : []), req];
  const r = spawnSync('python3', args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`bench/aurora-pystachio.py failed:\n${r.stderr}`);
  return new Map(Object.entries(JSON.parse(r.stdout) as Record<string, Reference>));
}

// ---- migrate, load, compile -----------------------------------------------------------------------

interface FileOutcome {
  readonly entry: Entry;
  readonly written: boolean;
  readonly untranslated: number;
  /** Loaded (type-checked, evaluated) and every job compiled. */
  readonly compiles: boolean;
  readonly problem?: string;
  readonly specs: readonly JobSpec[];
  /** Jobs whose compile failed, by key. */
  readonly failedJobs: readonly string[];
}

function migrateOne(entry: Entry, outDir: string): FileOutcome {
  const source = readFileSync(entry.file, 'utf8');
  const options: MigrateOptions & Record<string, unknown> = {
    readInclude: (rel: string) => {
      const p = path.resolve(path.dirname(entry.file), rel);
      return existsSync(p) ? readFileSync(p, 'utf8') : undefined;
    },
  };
  const result = migrateAuroraConfig(source, entry.file, options);
  const base = { entry, untranslated: result.issues.length, specs: [], failedJobs: [] };
  if (result.syntaxErrors.length > 0) {
    return { ...base, written: false, compiles: false, problem: `syntax: ${result.syntaxErrors.map((e) => `${e.line}: ${e.message}`).join('; ')}` };
  }
  const dir = path.join(outDir, path.dirname(entry.name.replace(/:\d+$/, '')), path.basename(entry.file, '.aurora'));
  mkdirSync(dir, { recursive: true });
  const out = path.join(dir, `${path.basename(entry.file)}.ts`);
  writeFileSync(out, result.text);
  const included = (result as unknown as { included?: readonly { output: string; text: string }[] }).included ?? [];
  for (const inc of included) {
    mkdirSync(path.dirname(path.join(dir, inc.output)), { recursive: true });
    writeFileSync(path.join(dir, inc.output), inc.text);
  }
  // a config that reads a file (fileDigest) finds it next to it: the one beside the source, if any
  for (const m of result.text.matchAll(/fileDigest\('\w+', '\.\/([^']+)'\)/g)) {
    const besideSource = path.join(path.dirname(entry.file), m[1] as string);
    const p = path.join(dir, m[1] as string);
    if (!existsSync(p)) writeFileSync(p, existsSync(besideSource) ? readFileSync(besideSource) : 'print("hello world")\n');
  }
  try {
    const config = loadConfig(out, { cwd: dir, user: USER });
    const { specs, diagnostics } = compileConfigJobs(config, bindingsFor(entry.file, source));
    const failed = [...new Set(diagnostics.map((d) => /job (\S+):/.exec(d.message)?.[1] ?? '?'))];
    return {
      ...base,
      written: true,
      compiles: diagnostics.length === 0,
      specs,
      failedJobs: failed,
      ...(diagnostics.length > 0 ? { problem: diagnostics.map((d) => `${d.line ?? ''}: ${d.message}`).join('; ') } : {}),
    };
  } catch (err) {
    const e = err as { message?: string; details?: readonly string[] };
    return { ...base, written: true, compiles: false, problem: [e.message, ...(e.details ?? []).slice(0, 3)].join(' | ') };
  }
}

// ---- the run --------------------------------------------------------------------------------------

const work = argv.keep ? path.resolve(argv.keep) : mkdtempSync(path.join(tmpdir(), 'aurora-migrate-corpus-'));
mkdirSync(work, { recursive: true });
try {
  const entries: Entry[] = [
    ...aurorasUnder(path.join(AURORA, 'examples', 'jobs')).map((f): Entry => ({ group: 'examples/jobs', name: path.relative(AURORA, f), file: f })),
    ...aurorasUnder(path.join(AURORA, 'src', 'test', 'sh', 'org', 'apache', 'aurora', 'e2e')).map(
      (f): Entry => ({ group: 'e2e', name: path.relative(AURORA, f), file: f }),
    ),
    ...docEntries(work),
  ];
  const outcomes = entries.map((e) => migrateOne(e, path.join(work, 'migrated')));

  const py = pystachioAvailable();
  const refs = py.ok
    ? references(
        work,
        entries.map((e) => ({ file: e.file, bindings: bindingsFor(e.file, readFileSync(e.file, 'utf8')) })),
      )
    : new Map<string, Reference>();

  /** A figure per corpus: over the files Aurora accepts (all files when Pystachio is not there to say). */
  interface Row {
    group: string;
    files: number;
    /** Files Aurora's own schema loads with every job valid; null without Pystachio. */
    valid: number | null;
    written: number;
    compiling: number;
    /** Files whose every job compiles to what Aurora gives. */
    matching: number | null;
    untranslated: number;
    jobs: number;
    jobsCompiling: number;
    jobsMatching: number | null;
  }
  const rows = new Map<string, Row>();
  const row = (group: string): Row => {
    let r = rows.get(group);
    if (!r) {
      const cmp = py.ok ? 0 : null;
      r = { group, files: 0, valid: cmp, written: 0, compiling: 0, matching: cmp, untranslated: 0, jobs: 0, jobsCompiling: 0, jobsMatching: cmp };
      rows.set(group, r);
    }
    return r;
  };
  const verbose: string[] = [];
  const broken: string[] = [];
  for (const o of outcomes) {
    const ref = refs.get(o.entry.file);
    const problems = ref?.ok ? ref.jobs.filter((j) => j['problem']).map((j) => `${j['key']}: ${j['problem']}`) : [];
    const valid = !py.ok || (ref?.ok === true && problems.length === 0);
    const rs = [row(o.entry.group), row('total')];
    for (const r of rs) r.files++;
    const line =
      `${o.entry.name}: ${o.written ? 'written' : 'NOT written'}, ${o.untranslated} untranslated, ${o.compiles ? 'compiles' : 'does NOT compile'}` +
      `${o.problem ? ` (${o.problem.slice(0, 400)})` : ''}`;
    if (!valid) {
      const why = ref && !ref.ok ? ref.error : problems.join('; ');
      broken.push(`${o.entry.name}: Aurora refuses it too (${why.slice(0, 200)}); migrate: ${o.written ? `written, ${o.untranslated} untranslated` : `not written (${o.problem?.slice(0, 200)})`}`);
      continue;
    }
    verbose.push(line);
    for (const r of rs) {
      if (r.valid !== null) r.valid++;
      if (o.written) r.written++;
      if (o.compiles) r.compiling++;
      r.untranslated += o.untranslated;
    }
    // jobs: Aurora's own, when Pystachio loads the file, else what the migrated file defines
    const ours = new Map(o.specs.map((s) => [`${s.key.cluster}/${s.key.role}/${s.key.environment}/${s.key.name}`, s]));
    const theirs = ref?.ok ? ref.jobs : undefined;
    const keys = theirs ? theirs.map((j) => j['key'] as string) : [...ours.keys(), ...o.failedJobs];
    let allMatch = o.compiles;
    for (const key of keys) {
      const spec = ours.get(key);
      const aurora = theirs?.find((j) => j['key'] === key);
      const diff = spec && aurora ? differences(normalize(spec), aurora) : undefined;
      const match = diff !== undefined && diff.length === 0;
      if (!match) allMatch = false;
      for (const r of rs) {
        r.jobs++;
        if (spec) r.jobsCompiling++;
        if (r.jobsMatching !== null && match) r.jobsMatching++;
      }
      if (!spec) verbose.push(`  ${key}: does not compile`);
      else if (diff && diff.length > 0) {
        verbose.push(`  ${key}: differs from Aurora in ${diff.map((f) => `${f} (ours ${canonical(normalize(spec)[f])}, Aurora ${canonical(aurora?.[f])})`).join(', ')}`);
      }
    }
    for (const r of rs) if (r.matching !== null && allMatch) r.matching++;
  }

  const table = [...['examples/jobs', 'e2e', 'docs', 'total'].map((g) => rows.get(g)).filter((r): r is Row => r !== undefined)];
  if (argv.json) {
    for (const r of table) console.log(JSON.stringify({ ...r, pystachio: py.ok ? 'compared' : py.why }));
  } else {
    if (argv.verbose) console.log(`${verbose.join('\n')}\n`);
    const head = ['corpus', 'files', 'valid', 'written', 'compile', 'match', 'untranslated', 'jobs', 'compile', 'match'];
    const n = (x: number | null): string => (x === null ? '-' : String(x));
    const cells = table.map((r) => [r.group, n(r.files), n(r.valid), n(r.written), n(r.compiling), n(r.matching), n(r.untranslated), n(r.jobs), n(r.jobsCompiling), n(r.jobsMatching)]);
    const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => (c[i] as string).length)));
    const line = (c: string[]) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i] as number) : x.padStart(widths[i] as number))).join('  ');
    console.log(line(head));
    for (const c of cells) console.log(line(c));
    console.log(
      py.ok
        ? "\nvalid: files Aurora's own schema (Pystachio) loads with every job valid; the other columns count those. " +
            'written: migrate wrote a file; compile: it type-checks and every job compiles; match: every job (jobs: each job) ' +
            "compiles to what Aurora gives; untranslated: constructs left as comments."
        : `\nNo comparison with Aurora's schema: ${py.why}. Every file is counted; jobs as the migrated files define them.`,
    );
    if (broken.length > 0) console.log(`\nRefused by Aurora too (not counted above):\n${broken.map((b) => `  ${b}`).join('\n')}`);
  }
} finally {
  if (!argv.keep) rmSync(work, { recursive: true, force: true });
}
