/** Temp tables one load uses; dropped when it ends. */
export interface LoadNames {
  stage: string;
  rejects: string;
  scans: string;
}
