// The search team's template: every service of the team runs the same way, so their configs
// share it. Configs import local .ts files like this one (and nothing else but '@aurora/dsl').
import {
  Announcer,
  HealthCheckConfig,
  HttpHealthChecker,
  Logger,
  MB,
  Process,
  Resources,
  RotatePolicy,
  SequentialTask,
  Service,
  UpdateConfig,
  mesos,
  thermos,
  type JobDef,
} from '@aurora/dsl';

/** What differs between the team's services. */
export interface TeamServiceProps {
  readonly name: string;
  /** The binary under the team's release directory, run with `--port`. */
  readonly binary: string;
  readonly instances: number;
  /** Megabytes of memory per instance. */
  readonly ramMb: number;
}

const logger = Logger({ mode: 'rotate', rotate: RotatePolicy({ logSize: 10 * MB, backups: 3 }) });

/**
 * A service of the search team: production, on the team's role, health-checked on its http port,
 * announced, with the release version left as `{{profile.version}}` for `.bind()` or `--bind`.
 */
export function teamService(p: TeamServiceProps): JobDef {
  const install = Process({
    name: 'install',
    cmdline: 'echo installing {{name}} {{profile.version}} from {{profile.repository}}',
    logger,
  });
  const run = Process({
    name: p.name,
    cmdline: `echo ok > health && exec python3 -m http.server ${thermos.ports.http} # ${p.binary} --shard ${mesos.instance}`,
    logger,
  });
  return Service({
    cluster: 'devcluster',
    role: 'search',
    environment: 'prod',
    name: p.name,
    instances: p.instances,
    production: true,
    tier: 'preferred',
    contact: 'search-oncall@example.com',
    task: SequentialTask({
      name: p.name,
      processes: [install, run],
      resources: Resources({ cpu: 1, ram: p.ramMb * MB, disk: 512 * MB }),
    }),
    healthCheckConfig: HealthCheckConfig({ healthChecker: HttpHealthChecker({ port: 'http' }) }),
    updateConfig: UpdateConfig({ batchSize: 2, watchSecs: 60 }),
    announce: Announcer({ primaryPort: 'http' }),
    constraints: { rack: 'limit:2', dedicated: 'search/frontends' },
    metadata: { team: 'search' },
  }).bind({ profile: { repository: 'https://releases.example.com/search' } });
}
