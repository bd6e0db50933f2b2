import type { DriverErrorClassifier } from '../lib/errors';
import { ENGINES } from './warehouse/engines';

/** Every warehouse engine's driver-error classifier, asked in registry order by the activity boundary. */
export const DRIVER_ERROR_CLASSIFIERS: readonly DriverErrorClassifier[] = ENGINES.flatMap((e) =>
  e.classifyError ? [e.classifyError] : [],
);
