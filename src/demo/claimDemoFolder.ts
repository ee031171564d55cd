/**
 * A demo folder belongs to one set of demo settings (preset sizes and seed). Running the same settings again
 * resumes: synth is deterministic, convert and train pick up where they stopped, finished folds are kept. Other
 * settings in the same folder would silently reuse models trained on other data ("Fold already trained!"), so
 * that is an error naming the difference.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/text/writeFileAtomic.js';
import { CheckpointError } from '../errors.js';
import { configChanges } from '../config/configChanges.js';

export const DEMO_SETTINGS_FILE = 'demo_settings.json';

/** The folders an earlier demo run leaves in `out`. */
const RUN_FOLDERS = ['synth', 'data', 'checkpoint'];

export function claimDemoFolder(out: string, settings: Record<string, string | number>): void {
  const file = join(out, DEMO_SETTINGS_FILE);
  const hint = { hint: `use another --out, or delete ${out}` };
  if (existsSync(file)) {
    let before: unknown;
    try {
      before = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new CheckpointError(`${file} is not valid JSON (${(e as Error).message})`, hint);
    }
    const diff = configChanges(before, settings);
    if (diff.length) throw new CheckpointError(`${out} holds a demo run with other settings (${diff.join(', ')}): its trained folds would be reused`, hint);
    return;
  }
  const left = RUN_FOLDERS.filter((f) => existsSync(join(out, f)));
  if (left.length) throw new CheckpointError(`${out} holds an earlier demo run (${left.join(', ')}) without ${DEMO_SETTINGS_FILE}: its settings are unknown and its trained folds might be reused`, hint);
  writeFileAtomic(file, JSON.stringify(settings, null, 2) + '\n');
}
