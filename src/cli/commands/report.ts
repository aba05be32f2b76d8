import { Command } from 'commander';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gatherReport } from '../../report/report-data.js';
import { reportHtml } from '../../report/report-html.js';
import { lakeConfigFrom, withCommon, withReader } from '../common-options.js';
import { withExitCodes } from '../exit-codes.js';
import { openEngine } from '../open-engine.js';
import { int } from '../parsers.js';

/** `subsnap report`: one self-contained HTML page about the lake. */
export function reportCommand(): Command {
  const command = withReader(withCommon(new Command('report')))
    .description('write an HTML report of the lake: versions, changes, rejects, catalog matches, validation, journal (one file, works offline)')
    .option('--out <file>', 'the page to write (default: report.html in the lake folder)')
    .option('--versions <n>', 'the last N versions', int(1), 30)
    .action(async (flags: { out?: string; versions: number; lake?: string; config?: string; engine?: string; sparkRemote?: string; webhdfs?: string }) => {
      const { config, lake } = await lakeConfigFrom(flags);
      const engine = openEngine(config);
      try {
        const html = reportHtml(await gatherReport(engine, config, lake, { versions: flags.versions }));
        if (flags.out) {
          await writeFile(flags.out, html);
          console.log(path.resolve(flags.out));
        } else {
          const target = path.join(lake.root, 'report.html');
          await lake.storage.replace(target, html);
          console.log(lake.storage.engineLocation(target));
        }
      } finally {
        await engine.close();
      }
    });
  return withExitCodes(command, { ok: 'the report was written; its path is printed' });
}
