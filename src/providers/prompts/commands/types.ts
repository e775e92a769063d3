/** Command id → what it does (the argument: a tree node, a prompt name, or nothing from the palette). */
export type PromptCommandHandlers = Readonly<Record<string, (arg?: unknown) => Promise<unknown>>>;
