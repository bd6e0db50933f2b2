/**
 * dbt packages for the transform engine: reading packages.yml and dbt_packages/ (package-specs),
 * `edp dbt deps` (package-deps), the macro library with namespaces and dispatch (macro-library),
 * the Jinja rewrite that gives minijinja dbt's `return()`, namespaces and mutable lists
 * (jinja-rewrite, jinja-tokens, macro-frames), the engine's `dbt.*` macros (dbt-builtins), queries run
 * while compiling (compile-queries) and `modules` (jinja-modules).
 */
export { installPackages, type DepsOptions, type InstalledReport } from './package-deps';
export { installedPackages, readPackageSpecs, type PackageSpec } from './package-specs';
export { buildMacroLibrary, dispatchTarget, genericTestMacro, type MacroLibrary } from './macro-library';
