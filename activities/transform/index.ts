/** Transformation: the model project (`models/`), its graph, and per-model builds. */
export * from './transform-activities';
export * from './model-project';
