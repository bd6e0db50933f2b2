import { join } from 'node:path';

/** Root of the project (models/, quality/rules/, bin/). */
export const PROJECT_ROOT = join(__dirname, '..');
