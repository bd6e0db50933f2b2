import { join } from 'node:path';
import { templateProblem, type MacroLibrary } from '../jinja';
import { buildMacroLibrary, type PackageMacros } from '../packages/macro-library';
import { installedPackages, readDispatch } from '../packages/package-specs';
import { findFiles, type FoundFile, type ProjectFile } from '../project-files';

/** A project's (or package's) macro files: `.sql` under the macro paths, and test files that define generic tests. */
export function macroFilesOf(dir: string, project: ProjectFile): FoundFile[] {
  return [
    ...findFiles(dir, project.macroPaths, ['.sql']),
    ...findFiles(dir, project.testPaths, ['.sql']).filter((f) => /\{%-?\s*test\s/.test(f.text)),
  ];
}

/** The project's macros and those of the packages installed in dbt_packages/, as one library. */
export function readMacros(dir: string, project: ProjectFile): { macroFiles: FoundFile[]; library: MacroLibrary } {
  const macroFiles = macroFilesOf(dir, project);
  const packages: PackageMacros[] = installedPackages(dir).map((p) => ({
    name: p.name,
    files: macroFilesOf(join(dir, p.path), p.project).map((f) => [`${p.path}/${f.path}`, f.text] as const),
  }));
  const root = { name: project.name, files: macroFiles.map((f) => [f.path, f.text] as const) };
  return { macroFiles, library: buildMacroLibrary(root, packages, readDispatch(dir), templateProblem) };
}
