import { macroLibrary, type MacroLibrary } from '../jinja';
import { findFiles, type FoundFile, type ProjectFile } from '../project-files';

/** The project's macros: every `.sql` file under the macro paths, and test files that define generic tests. */
export function readMacros(dir: string, project: ProjectFile): { macroFiles: FoundFile[]; library: MacroLibrary } {
  const macroFiles = [
    ...findFiles(dir, project.macroPaths, ['.sql']),
    ...findFiles(dir, project.testPaths, ['.sql']).filter((f) => /\{%-?\s*test\s/.test(f.text)),
  ];
  return { macroFiles, library: macroLibrary(macroFiles.map((f) => [f.path, f.text] as const)) };
}
