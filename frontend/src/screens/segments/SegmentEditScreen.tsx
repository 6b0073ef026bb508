// /segments/new and /segments/:segmentId: name, description and the visual rule builder with
// its live count; Save creates or updates. Tenant admins see the saved segment read-only.
import { Alert, Anchor, Button, Grid, Stack, Text, TextInput, Textarea } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconArrowLeft, IconLock } from "@tabler/icons-react";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState, type FormEvent, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate, useParams } from "react-router-dom";
import { ApiError, api, unwrap } from "../../api/client";
import { useSession } from "../../auth/session";
import { PageHeader } from "../../components/PageHeader";
import { ErrorState, Loading, errorText } from "../../components/states";
import { useTenant } from "../../tenant/TenantContext";
import { segmentKeys, useCatalogue, type SegmentOut } from "./api";
import { emptyGroup, fromApi, incompleteRows, toApi, type Catalogue, type GroupNode } from "./model";
import { SegmentBuilder } from "./SegmentBuilder";
import { useUnsavedGuard } from "./useUnsavedGuard";

export default function SegmentEditScreen() {
  const { segmentId } = useParams();
  const id = segmentId ? Number(segmentId) : null;
  const { t } = useTranslation();
  const fields = useCatalogue();
  const segment = useQuery({
    queryKey: segmentKeys.one(id ?? 0),
    queryFn: () => unwrap(api.GET("/sys/newsletter/segments/{segment_id}", { params: { path: { segment_id: id ?? 0 } } })),
    enabled: id !== null && Number.isInteger(id),
  });
  const back = (
    <Anchor component={Link} to="/segments" size="sm">
      <IconArrowLeft size={14} aria-hidden style={{ verticalAlign: "middle" }} /> {t("console.segments.back")}
    </Anchor>
  );
  const error = fields.error ?? segment.error;
  if (error || (id !== null && !Number.isInteger(id))) {
    return (
      <>
        <PageHeader title={t("console.segments.title")} before={back} />
        <ErrorState error={error ?? new ApiError(404, "not_found", "")} onRetry={() => void (fields.refetch(), segment.refetch())} />
      </>
    );
  }
  if (!fields.catalogue || (id !== null && !segment.data)) {
    return (
      <>
        <PageHeader title={id === null ? t("console.segments.new") : t("console.segments.title")} before={back} />
        <Loading />
      </>
    );
  }
  return <Editor key={segment.data?.id ?? "new"} catalogue={fields.catalogue} saved={segment.data ?? null} back={back} />;
}

function Editor({ catalogue, saved, back }: { catalogue: Catalogue; saved: SegmentOut | null; back: ReactNode }) {
  const { t } = useTranslation();
  const { readOnly } = useSession();
  const { tenant: headerTenant } = useTenant();
  const navigate = useNavigate();
  const client = useQueryClient();
  const initial = useMemo(() => (saved ? fromApi(saved.rules, catalogue) : emptyGroup("all")), [saved, catalogue]);
  const [tree, setTree] = useState<GroupNode>(initial);
  const [name, setName] = useState(saved?.name ?? "");
  const [description, setDescription] = useState(saved?.description ?? "");
  const [submitted, setSubmitted] = useState(false);
  const tenant = saved ? saved.tenant : headerTenant;
  const baseline = useMemo(
    () => JSON.stringify([saved?.name ?? "", saved?.description ?? "", toApi(initial, catalogue, true), incompleteRows(initial, catalogue).length]),
    [saved, initial, catalogue],
  );
  const current = JSON.stringify([name, description, toApi(tree, catalogue, true), incompleteRows(tree, catalogue).length]);
  const dirty = !readOnly && current !== baseline;
  const { dialog } = useUnsavedGuard(dirty);
  const incomplete = incompleteRows(tree, catalogue).length;

  const save = useMutation({
    mutationFn: async () => {
      const rules = toApi(tree, catalogue, false);
      const desc = description.trim() || null;
      if (saved) {
        return unwrap(
          api.PATCH("/sys/newsletter/segments/{segment_id}", {
            params: { path: { segment_id: saved.id } },
            body: { name: name.trim(), description: desc ?? "", rules },
          }),
        );
      }
      return unwrap(api.POST("/sys/newsletter/segments", { body: { name: name.trim(), description: desc, rules, ...(tenant ? { tenant } : {}) } }));
    },
    onSuccess: (row) => {
      void client.invalidateQueries({ queryKey: segmentKeys.all });
      client.setQueryData(segmentKeys.one(row.id), row);
      notifications.show({ color: "teal", message: t("console.segments.saved", { name: row.name }) });
      if (!saved) navigate(`/segments/${row.id}`, { replace: true });
    },
  });

  const nameError = submitted && !name.trim() ? t("console.segments.name_required") : save.error instanceof ApiError && save.error.field === "name" ? save.error.message : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (!name.trim() || incomplete > 0) return;
    save.mutate();
  };
  const title = saved ? saved.name : t("console.segments.new");
  const where = tenant ? t("console.segments.in_tenant", { tenant }) : t("console.segments.in_all_tenants");

  return (
    <>
      <PageHeader title={title} before={back} description={readOnly ? where : `${t("console.segments.builder_description")} ${where}`} />
      {readOnly && (
        <Alert color="gray" variant="light" icon={<IconLock aria-hidden />} mb="md">
          {t("console.segments.read_only")}
        </Alert>
      )}
      <form onSubmit={submit} noValidate>
        <Stack gap="md">
          <Grid>
            <Grid.Col span={{ base: 12, md: 5 }}>
              <TextInput
                label={t("console.segments.name")}
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                required
                maxLength={200}
                disabled={readOnly}
                error={nameError}
              />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 7 }}>
              <Textarea
                label={t("console.segments.description_label")}
                value={description}
                onChange={(e) => setDescription(e.currentTarget.value)}
                autosize
                minRows={1}
                maxLength={2000}
                disabled={readOnly}
              />
            </Grid.Col>
          </Grid>
          <SegmentBuilder value={tree} onChange={setTree} catalogue={catalogue} tenant={tenant} readOnly={readOnly} savedId={saved?.id} />
          {!readOnly && (
            <Stack gap="xs" align="flex-end">
              {submitted && incomplete > 0 && (
                <Text role="alert" c="red.8" size="sm">
                  {t("console.segments.save_incomplete", { count: incomplete, n: incomplete })}
                </Text>
              )}
              {save.error && !nameError ? (
                <Text role="alert" c="red.8" size="sm">
                  {errorText(t, save.error)}
                </Text>
              ) : null}
              <Button type="submit" loading={save.isPending}>
                {saved ? t("console.action.save") : t("console.segments.create")}
              </Button>
            </Stack>
          )}
        </Stack>
      </form>
      {dialog}
    </>
  );
}
