// Templates through Herald's typed client: the query keys, and a save that keeps the line and
// column Herald reports for an MJML error.
import { api, unwrap } from "../../api/client";
import type { components } from "../../api/schema";
import { serverPosition, type SourcePosition } from "./preview";

type S = components["schemas"];
export type TemplateOut = S["herald__web__sys__templates__TemplateOut"];
export type TemplateDetail = S["TemplateDetail"];
export type GalleryItem = S["GalleryItem"];
export type GalleryDetail = S["GalleryDetail"];
export type PreviewOut = S["PreviewOut"];

export const keys = {
  all: ["templates"] as const,
  list: (tenant: { tenant?: string }) => ["templates", "list", tenant] as const,
  one: (id: number) => ["template", id] as const,
  gallery: ["templates-gallery"] as const,
  galleryItem: (key: string) => ["templates-gallery", key] as const,
};

export function fetchTemplate(id: number): Promise<TemplateDetail> {
  return unwrap(api.GET("/sys/newsletter/templates/{template_id}", { params: { path: { template_id: id } } }));
}

export function fetchGalleryItem(key: string): Promise<GalleryDetail> {
  return unwrap(api.GET("/sys/newsletter/templates/gallery/{key}", { params: { path: { key } } }));
}

/** A refusal from Herald for the MJML, with where it is in the source when Herald says so. */
export class SourceError extends Error {
  constructor(
    message: string,
    readonly position: SourcePosition | null,
  ) {
    super(message);
  }
}

export async function saveTemplate(
  id: number,
  body: { mjml?: string; name?: string; subject?: string; preheader?: string },
): Promise<TemplateDetail> {
  const call = api.PATCH("/sys/newsletter/templates/{template_id}", {
    params: { path: { template_id: id } },
    body: { ...body, clear_text: false },
  });
  const { error, response } = await call;
  if (!response.ok && (response.status === 400 || response.status === 422)) {
    const detail = (error ?? {}) as { detail?: unknown; field?: string; code?: string };
    if (detail.field === "mjml" && typeof detail.detail === "string") {
      // MJML errors point into the source; a merge-tag error's line counts in the rendered
      // HTML, so it is shown without a position.
      throw new SourceError(detail.detail, detail.code === "template_error" ? serverPosition(error) : null);
    }
  }
  return unwrap(call);
}
