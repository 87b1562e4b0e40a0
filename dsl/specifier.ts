/** The one import specifier configs use for the DSL; the client resolves it to its own copy. */
export const DSL_SPECIFIER = '@aurora/dsl';
