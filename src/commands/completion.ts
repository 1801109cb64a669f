import type { Argv, CommandModule } from "yargs";
import type { CommonArgs } from "../cli/context.js";

/**
 * The name under which yargs answers the script's completion requests. yargs prints its
 * script for any command line naming its own completion command, `--help` included, so
 * `completion` is a command of ours and yargs' own is hidden under this name.
 */
export const YARGS_COMPLETION_COMMAND = "__completion";

/** yargs 18 takes the command to name in the script's install line; its typings (17) do not say so. */
interface ScriptPrinter {
  showCompletionScript($0?: string, cmd?: string): unknown;
}

/** `mqtt-pki completion`: prints the bash/zsh completion script (`--help` says how to install it). */
export function completionCommand(): CommandModule<CommonArgs, CommonArgs> {
  let parser: Argv<CommonArgs> | undefined;
  return {
    command: "completion",
    describe: "Print a shell completion script (bash or zsh): mqtt-pki completion >> ~/.bashrc",
    builder: (y) => (parser = y),
    // Written where yargs writes its help: the script is the same text yargs' own command printed.
    handler: () => void (parser as unknown as ScriptPrinter).showCompletionScript("mqtt-pki", "completion"),
  };
}
