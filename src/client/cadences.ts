import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CadenceConflictError, type CadenceRepository } from '../adapters/cadence.repository';
import { loadCadenceFile } from '../schemas/cadence.schema';
import { cadenceCreditorProblems, type CreditorDirectory } from '../schemas/creditors.schema';

export interface SyncReport {
  saved: string[];
  unchanged: string[];
  problems: string[];
}

/**
 * Saves every cadence file of a folder (.json, .yaml, .yml) into the store. A new version is
 * saved; the same version unchanged is left alone; a changed document under an existing
 * version is refused (running accounts rely on it) and reported, as is an invalid file, and (given
 * the creditor directory) a cadence its creditors cannot run: call steps for a creditor without a
 * contact person to name in voicemails.
 */
export async function syncCadenceFiles(repository: CadenceRepository, directory: string, creditors?: CreditorDirectory): Promise<SyncReport> {
  const report: SyncReport = { saved: [], unchanged: [], problems: [] };
  const files = readdirSync(directory).filter((f) => /\.(json|ya?ml)$/i.test(f)).sort();
  for (const file of files) {
    try {
      const cadence = loadCadenceFile(join(directory, file));
      const problems = creditors ? cadenceCreditorProblems(cadence, creditors) : [];
      if (problems.length > 0) {
        report.problems.push(...problems.map((problem) => `${file}: ${problem}`));
        continue;
      }
      const { status } = await repository.save(cadence, file);
      report[status === 'saved' ? 'saved' : 'unchanged'].push(`${cadence.name} v${cadence.version}`);
    } catch (error) {
      if (error instanceof CadenceConflictError || error instanceof Error) report.problems.push(`${file}: ${error.message}`);
      else throw error;
    }
  }
  return report;
}
