import type { Command } from "commander";

// Placeholder: replaced by the stack implementation.
export function registerStackCommands(program: Command): void {
  program.command("stack").description("(in progress)");
}
