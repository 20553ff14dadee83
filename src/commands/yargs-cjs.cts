/**
 * The one yargs the CLI uses (src/cli.ts for the command line, run.ts for the
 * stages of `sluice run`): its CommonJS build through `yargs/yargs`. That
 * build's help wraps at word boundaries (the ES module build cuts words in
 * two); `yargs/yargs`, not `yargs`, whose main module builds a singleton on
 * load; and as a require() in a CommonJS module, esbuild bundles it, so it is
 * compiled from the bundle's code cache instead of ~15 files resolved and
 * compiled by Node at every start. Its messages' translations are looked up
 * next to the bundle (scripts/bundle.mjs copies them).
 */
import yargs = require('yargs/yargs');
export = yargs;
