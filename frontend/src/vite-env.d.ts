/// <reference types="vite/client" />

declare module "virtual:herald-locales" {
  const catalogues: Record<string, Record<string, string>>;
  export default catalogues;
}
