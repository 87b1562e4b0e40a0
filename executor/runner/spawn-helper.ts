import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import {
  environmentChanges,
  formatCancel,
  formatGo,
  formatLaunch,
  LineBuffer,
  parseHelperLine,
  type HelperEvent,
  type SpawnRequest,
} from '../core/spawn-protocol.js';
import {
  argumentProblem,
  DirectLauncher,
  launchEnv,
  outputPaths,
  SPARE_SCRIPT,
  type ExitListener,
  type LaunchRequest,
  type PreparedProcess,
  type ProcessLauncher,
} from './process-launcher.js';
import { readProcStat } from './proc.js';
import { exitPath, runLogDir } from './sandbox.js';
import { SPAWN_HELPER_SCRIPT } from './spawn-helper-script.js';

/**
 * Launches through a small long-lived helper process (a perl program, spawn-helper-script.ts)
 * that the agent starts once. A fork copies the page tables of the process that forks; the agent
 * is a ~100 MB node process whose every spawn blocks its one thread while that happens, so 100
 * launches that arrive together used to queue behind each other for seconds. The helper is a few
 * MB, makes processes on its own CPU (most ahead of time: spares, waiting wrapper shells), and
 * the agent only writes a line per launch (one write per event-loop turn).
 *
 * Safety: the helper's process waits for G, which the agent sends only after it recorded the
 * start (see process-launcher.ts). If the helper dies, every process still waiting sees EOF and
 * exits without running anything, so a launch the helper never answered is sent again to a new
 * helper and never runs twice; processes already running are reparented and are watched through
 * their exit files (`untracked`). After `maxDeaths` deaths within a minute the helper is given up
 * and launches go through the fallback (node's spawn).
 */

export interface SpawnHelperOptions {
  /** The environment the helper starts with; each request carries only its changes to it. */
  readonly env: Readonly<Record<string, string>>;
  readonly log?: (line: string) => void;
  /** The perl to run. @default /usr/bin/perl, else `perl` on the PATH */
  readonly perl?: string;
  /** The most launches being prepared at once (each holds two descriptors in the helper). @default 128 */
  readonly maxInFlight?: number;
  /** Deaths of the helper within a minute after which the fallback launches instead. @default 5 */
  readonly maxDeaths?: number;
  /**
   * Children the helper makes ahead, while it has nothing to do, each a wrapper shell waiting
   * for a launch: a burst of launches then waits for no fork. An idle spare is ~0.16 MB (PSS and
   * page tables). @default DEFAULT_SPARES
   */
  readonly spares?: number;
  /** @default a DirectLauncher */
  readonly fallback?: ProcessLauncher;
}

interface Pending {
  readonly id: number;
  readonly request: SpawnRequest;
  readonly launch: LaunchRequest;
  readonly resolve: (p: PreparedProcess) => void;
  readonly reject: (err: Error) => void;
}

const DEATH_WINDOW_MS = 60_000;

/** Spares the helper keeps by default (see SpawnHelperOptions.spares); the agent's CLI asks for more. */
export const DEFAULT_SPARES = 4;

export class SpawnHelper implements ProcessLauncher {
  private child: ChildProcess | null = null;
  /** Bumped at each helper start: a prepared process belongs to the helper that made it. */
  private generation = 0;
  private helperPid: number | null = null;
  private nextId = 1;
  private readonly queue: Pending[] = [];
  private readonly inFlight = new Map<number, Pending>();
  /** Prepared processes not yet started or cancelled, by pid, with an exit that came early. */
  private readonly prepared = new Map<number, { status: number | undefined }>();
  /** Started processes by pid. */
  private readonly running = new Map<number, ExitListener>();
  /** Who to tell when a launch's setup fails, by launch id, until its process ends. */
  private readonly setupWatch = new Map<number, { pid: number | null; onFailed: (message: string) => void }>();
  private readonly deaths: number[] = [];
  private restartTimer: NodeJS.Timeout | null = null;
  private fallback: ProcessLauncher | null = null;
  private closed = false;
  private readonly log: (line: string) => void;

  constructor(private readonly options: SpawnHelperOptions) {
    this.log = options.log ?? (() => {});
  }

  /** Whether launches go through the helper (false once it was given up). */
  get usingHelper(): boolean {
    return this.fallback === null;
  }

  /** The helper's pid while it runs (tests kill it to see it come back). */
  get pid(): number | null {
    return this.helperPid;
  }

  /** Starts the helper now rather than at the first launch. */
  start(): void {
    if (!this.closed && !this.fallback && !this.child) this.startHelper();
  }

  prepare(launch: LaunchRequest): Promise<PreparedProcess> {
    if (this.closed) return Promise.reject(new Error('the agent is not launching processes any more'));
    if (this.fallback) return this.fallback.prepare(launch);
    // The helper's child would only learn it when its exec fails (and exit 126); say why now.
    const tooLong = argumentProblem('its command line', launch.cmdline);
    if (tooLong) return Promise.reject(new Error(tooLong));
    const id = this.nextId++;
    const request: SpawnRequest = {
      id,
      dir: runLogDir(launch.sandbox, launch.process, launch.run),
      cwd: launch.sandbox,
      ...outputPaths(launch),
      user: launch.runAs ? { uid: launch.runAs.uid, gid: launch.runAs.gid } : null,
      cmdline: launch.cmdline,
      exitFile: exitPath(launch.sandbox, launch.process, launch.run),
      env: environmentChanges(this.options.env, launchEnv(launch)),
      ...(launch.setup && launch.setup.length > 0 ? { setup: launch.setup } : {}),
    };
    if (request.setup && launch.onSetupFailed) this.setupWatch.set(id, { pid: null, onFailed: launch.onSetupFailed });
    return new Promise((resolve, reject) => {
      this.queue.push({ id, request, launch, resolve, reject });
      this.pump();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    const error = new Error('the agent is not launching processes any more');
    for (const p of this.queue.splice(0)) p.reject(error);
    // The helper exits at EOF once it has read what was sent (a last G included); children
    // still waiting then see EOF and exit.
    this.flush();
    this.child?.stdin?.end();
    this.fallback?.close();
  }

  /** Sends queued launches while there is room. */
  private pump(): void {
    if (this.fallback) {
      for (const p of this.queue.splice(0)) this.fallback.prepare(p.launch).then(p.resolve, p.reject);
      return;
    }
    if (this.queue.length === 0 || this.restartTimer) return;
    if (!this.child && !this.startHelper()) return this.pump();
    const child = this.child as ChildProcess | null;
    if (!child) return;
    const max = this.options.maxInFlight ?? 128;
    while (this.queue.length > 0 && this.inFlight.size < max) {
      const p = this.queue.shift() as Pending;
      let line: string;
      try {
        line = formatLaunch(p.request);
      } catch (err) {
        p.reject(err as Error);
        continue;
      }
      this.inFlight.set(p.id, p);
      this.write(line);
    }
  }

  /** Starts a helper; false (and the fallback in place) when none can be started. */
  private startHelper(): boolean {
    const perl = this.options.perl ?? (existsSync('/usr/bin/perl') ? '/usr/bin/perl' : 'perl');
    const generation = ++this.generation;
    let child: ChildProcess;
    try {
      child = spawn(perl, ['-e', SPAWN_HELPER_SCRIPT, String(this.options.spares ?? DEFAULT_SPARES), SPARE_SCRIPT], {
        env: { ...this.options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
        // Its own session: a Ctrl-C meant for the agent's terminal group does not reach it.
        detached: true,
      });
    } catch (err) {
      this.giveUp(`cannot start ${perl}: ${(err as Error).message}`);
      return false;
    }
    if (child.pid === undefined) {
      // No such program: node tells why asynchronously, the missing pid tells it now.
      child.on('error', () => {});
      this.giveUp(`cannot start ${perl}`);
      return false;
    }
    this.child = child;
    const lines = new LineBuffer();
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of lines.push(chunk)) this.onLine(line, generation);
    });
    const errLines = new LineBuffer();
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      for (const line of errLines.push(chunk)) this.log(`spawn helper: ${line}`);
    });
    // Writes after the helper died fail with EPIPE; its death is handled once, below.
    child.stdin?.on('error', () => {});
    let gone = false;
    const died = (why: string) => {
      if (gone) return;
      gone = true;
      this.onDeath(child, why);
    };
    child.on('error', (err) => died(err.message));
    child.on('exit', (code, signal) => {
      // 'close' comes once its output is read too; do not wait for it forever.
      setTimeout(() => died(signal ? `killed by ${signal}` : `exit code ${code}`), 1000).unref();
    });
    child.on('close', (code, signal) => died(signal ? `killed by ${signal}` : `exit code ${code}`));
    child.unref();
    for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
    return true;
  }

  private onLine(line: string, generation: number): void {
    const event = parseHelperLine(line);
    if (!event) {
      this.log(`spawn helper said something unexpected: ${line.slice(0, 200)}`);
      return;
    }
    this.handle(event, generation);
  }

  private handle(event: HelperEvent, generation: number): void {
    // What a helper said after it was taken for dead is about processes that are gone.
    if (generation !== this.generation) return;
    switch (event.kind) {
      case 'hello':
        this.helperPid = event.pid;
        return;
      case 'bad':
        this.log(`spawn helper: ${event.message}`);
        return;
      case 'setupFailed': {
        const watch = this.setupWatch.get(event.id);
        this.setupWatch.delete(event.id);
        watch?.onFailed(event.message);
        return;
      }
      case 'failed': {
        const p = this.inFlight.get(event.id);
        if (!p) return;
        this.inFlight.delete(event.id);
        this.setupWatch.delete(event.id);
        p.reject(new Error(event.message));
        this.pump();
        return;
      }
      case 'exited': {
        // A setup failure comes before the process runs, so before its end.
        for (const [id, watch] of this.setupWatch) if (watch.pid === event.pid) this.setupWatch.delete(id);
        const early = this.prepared.get(event.pid);
        if (early) early.status = event.status;
        const listener = this.running.get(event.pid);
        if (listener) {
          this.running.delete(event.pid);
          listener.exited(event.status);
        }
        return;
      }
      case 'prepared': {
        const p = this.inFlight.get(event.id);
        if (!p) {
          // A launch nobody waits for: it must not run.
          this.write(formatCancel(event.id));
          return;
        }
        this.inFlight.delete(event.id);
        const watch = this.setupWatch.get(event.id);
        if (watch) watch.pid = event.pid;
        // The helper leaves the start time to the agent (one read of /proc, cheaper here than there).
        const startTicks = event.startTicks ?? readProcStat(event.pid)?.startTicks;
        p.resolve(this.preparedProcess(event.id, event.pid, startTicks, generation));
        this.pump();
        return;
      }
    }
  }

  private preparedProcess(id: number, pid: number, startTicks: number | undefined, generation: number): PreparedProcess {
    const entry: { status: number | undefined } = { status: undefined };
    this.prepared.set(pid, entry);
    let decided = false;
    return {
      pid,
      pgid: pid,
      startTicks,
      running: false,
      start: (listener) => {
        if (decided) return;
        decided = true;
        this.prepared.delete(pid);
        if (entry.status !== undefined) return listener.exited(entry.status);
        if (generation !== this.generation || !this.child) {
          // Its helper is gone, and with it the process (it saw EOF before it ran anything).
          listener.untracked();
          return;
        }
        this.running.set(pid, listener);
        this.write(formatGo(id));
      },
      cancel: () => {
        if (decided) return;
        decided = true;
        this.prepared.delete(pid);
        this.setupWatch.delete(id);
        if (generation === this.generation) this.write(formatCancel(id));
      },
    };
  }

  /**
   * Lines written in one go at the end of the current turn: the hundred launches (or G's) of one
   * sync are one write, and one wake-up of the helper (a wake-up costs more than the write).
   */
  private outgoing = '';

  private write(line: string): void {
    if (!this.child) return;
    if (this.outgoing === '') queueMicrotask(() => this.flush());
    this.outgoing += line;
  }

  private flush(): void {
    const text = this.outgoing;
    this.outgoing = '';
    if (text) this.child?.stdin?.write(text);
  }

  private onDeath(child: ChildProcess, why: string): void {
    if (this.child !== child) return;
    this.child = null;
    this.outgoing = '';
    const pid = this.helperPid;
    this.helperPid = null;
    // From here nothing this helper made will be heard of through it.
    this.generation++;
    for (const listener of this.running.values()) listener.untracked();
    this.running.clear();
    // Launches asked again keep theirs.
    for (const [id, watch] of this.setupWatch) if (watch.pid !== null) this.setupWatch.delete(id);
    // Unconfirmed launches go again, first: their children exited without running anything.
    this.queue.unshift(...this.inFlight.values());
    this.inFlight.clear();
    if (this.closed) {
      const error = new Error('the agent is not launching processes any more');
      for (const p of this.queue.splice(0)) p.reject(error);
      return;
    }
    const now = Date.now();
    this.deaths.push(now);
    while (this.deaths.length > 0 && (this.deaths[0] as number) < now - DEATH_WINDOW_MS) this.deaths.shift();
    if (this.deaths.length >= (this.options.maxDeaths ?? 5)) {
      this.giveUp(`the spawn helper died ${this.deaths.length} times within a minute (last: ${why})`);
      return;
    }
    this.log(`spawn helper${pid ? ` (pid ${pid})` : ''} ended (${why}); starting a new one`);
    // A short pause, growing with each death, so a helper that cannot run is not restarted in a loop.
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      // At once, not at the next launch: its spares should be there before launches come.
      if (!this.closed && !this.fallback && !this.child) this.startHelper();
      this.pump();
    }, 50 * this.deaths.length);
    this.restartTimer.unref();
  }

  private giveUp(why: string): void {
    this.log(`${why}; processes are spawned by the agent itself from now on`);
    this.fallback = this.options.fallback ?? new DirectLauncher();
    this.child = null;
    this.pump();
  }
}
