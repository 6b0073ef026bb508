// mjml-browser (the MJML renderer grapesjs-mjml draws its canvas with) ships without types.
declare module "mjml-browser" {
  const mjml2html: (mjml: string, options?: Record<string, unknown>) => { html: string; errors: unknown[] };
  export default mjml2html;
}
