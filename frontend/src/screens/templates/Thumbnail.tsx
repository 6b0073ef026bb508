// A real render of a template, scaled down: the HTML Herald renders, merged for a sample
// subscriber (`sample_html`; the raw render when the template needs real data to merge), in a
// sandboxed frame (no scripts, opaque origin), fetched only once the card scrolls into view.
// The frame is inert: it is a picture of the design, not something to tab into.
import { Skeleton } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { FRAME_WIDTH } from "./preview";
import { fetchGalleryItem, fetchTemplate, keys } from "./data";

const HEIGHT = 200;

function useVisible<T extends Element>(): [React.RefObject<T | null>, boolean, number] {
  const ref = useRef<T>(null);
  const [visible, setVisible] = useState(false);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) {
        setVisible(true);
        io.disconnect();
      }
    }, { rootMargin: "200px" });
    io.observe(el);
    const ro = new ResizeObserver(() => setWidth(el.clientWidth));
    ro.observe(el);
    setWidth(el.clientWidth);
    return () => {
      io.disconnect();
      ro.disconnect();
    };
  }, []);
  return [ref, visible, width];
}

function Frame({ html, width, label }: { html: string | undefined; width: number; label: string }) {
  const scale = width > 0 ? width / FRAME_WIDTH.desktop : 0.4;
  if (!html) return <Skeleton height={HEIGHT} radius={0} />;
  return (
    <iframe
      title={label}
      sandbox=""
      srcDoc={html}
      tabIndex={-1}
      loading="lazy"
      style={{
        width: FRAME_WIDTH.desktop,
        height: HEIGHT / scale,
        transform: `scale(${scale})`,
      }}
    />
  );
}

export function TemplateThumbnail({ id, label }: { id: number; label: string }) {
  const [ref, visible, width] = useVisible<HTMLDivElement>();
  const q = useQuery({ queryKey: keys.one(id), queryFn: () => fetchTemplate(id), enabled: visible });
  return (
    <div ref={ref} className="tpl-thumb" inert aria-hidden data-testid="template-thumbnail">
      <Frame html={q.data?.sample_html ?? q.data?.html ?? undefined} width={width} label={label} />
    </div>
  );
}

export function GalleryThumbnail({ galleryKey, label }: { galleryKey: string; label: string }) {
  const [ref, visible, width] = useVisible<HTMLDivElement>();
  const q = useQuery({
    queryKey: keys.galleryItem(galleryKey),
    queryFn: () => fetchGalleryItem(galleryKey),
    enabled: visible,
    staleTime: Infinity,
  });
  return (
    <div ref={ref} className="tpl-thumb" inert aria-hidden data-testid="gallery-thumbnail">
      <Frame html={q.data?.sample_html ?? q.data?.html} width={width} label={label} />
    </div>
  );
}
