// The second service built from the search team's template. Its release version is left open:
//   aurora job inspect devcluster/search/prod/indexer examples/team_indexer.aurora.ts --bind profile.version=2024.06.2
import { teamService } from './templates/team.ts';

export const jobs = [teamService({ name: 'indexer', binary: 'bin/indexer', instances: 2, ramMb: 512 })];
