// Stands in for `undici` and `undici-types` when the core is typechecked (tsconfig.core.json): the
// provider SDKs' types name them, and they would pull @types/node, and with it every Node global, in.
export {};
