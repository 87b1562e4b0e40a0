// A cron job: every 15 minutes; a run that finds the previous one still going is dropped.
//   aurora cron schedule devcluster/www-data/prod/report examples/cron_job.aurora.ts
import { Job, SimpleTask } from '@aurora/dsl';

export const jobs = [
  Job({
    cluster: 'devcluster',
    role: 'www-data',
    environment: 'prod',
    name: 'report',
    cronSchedule: '*/15 * * * *',
    cronCollisionPolicy: 'CANCEL_NEW',
    cronTimezone: 'Europe/Amsterdam',
    // SimpleTask: one process named like the task, with Aurora's 1 core, 1 GiB RAM, 1 GiB disk.
    task: SimpleTask('report', 'echo "report for {{role}} at $(date -u +%FT%TZ)"'),
  }),
];
