// One of two services built from the search team's template (examples/templates/team.ts).
//   aurora job inspect devcluster/search/prod/frontend examples/team_frontend.aurora.ts
import { teamService } from './templates/team.ts';

export const jobs = [
  teamService({ name: 'frontend', binary: 'bin/frontend', instances: 4, ramMb: 256 }).bind({
    profile: { version: '2024.06.1' },
  }),
];
