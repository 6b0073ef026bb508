// The builder: the rule tree, the live recipient count beside it (debounced POST …/count of the
// complete rows), a sample of matching people, and the rules as JSON for developers.
import { Accordion, Alert, Anchor, Box, Code, Grid, Group, Loader, Paper, Stack, Text, Title } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { ApiError, api, unwrap } from "../../api/client";
import { errorText } from "../../components/states";
import { useFormat } from "../../i18n/format";
import { segmentKeys, useDelayedFlag, useListOptions, useLiveCount, type CountOut } from "./api";
import { incompleteRows, rowsForField, toApi, type Catalogue, type GroupNode } from "./model";
import { RuleTree } from "./RuleTree";

export interface SegmentBuilderProps {
  value: GroupNode;
  onChange: (root: GroupNode) => void;
  catalogue: Catalogue;
  /** The tenant the segment counts in (null: every tenant, platform operators only). */
  tenant: string | null;
  /** Tenant admins: the tree is shown disabled and the saved segment's count is read instead. */
  readOnly?: boolean;
  savedId?: number;
}

export function SegmentBuilder({ value, onChange, catalogue, tenant, readOnly = false, savedId }: SegmentBuilderProps) {
  const { t } = useTranslation();
  const lists = useListOptions(tenant, true);
  const counted = useMemo(() => toApi(value, catalogue, true), [value, catalogue]);
  const incomplete = incompleteRows(value, catalogue).length;
  const live = useLiveCount(readOnly ? null : counted, tenant);
  const saved = useQuery({
    queryKey: segmentKeys.savedCount(savedId ?? 0),
    queryFn: () =>
      unwrap(api.GET("/sys/newsletter/segments/{segment_id}/count", { params: { path: { segment_id: savedId ?? 0 } } })),
    enabled: readOnly && savedId !== undefined,
    retry: false,
  });
  const savedSpinner = useDelayedFlag(saved.isFetching);
  const source = readOnly ? { ...saved, spinner: savedSpinner, pending: saved.isFetching } : live;
  const error = source.error;
  const serverErrors = useMemo(() => {
    if (!(error instanceof ApiError) || error.status !== 422 || error.code === "segment_timeout") return {};
    return Object.fromEntries(rowsForField(value, error.field).map((id) => [id, error.message]));
  }, [error, value]);
  const mappedToRow = Object.keys(serverErrors).length > 0;

  return (
    <Grid gap="lg">
      <Grid.Col span={{ base: 12, lg: 8 }}>
        <RuleTree
          value={value}
          onChange={onChange}
          catalogue={catalogue}
          readOnly={readOnly}
          lists={lists.data ?? []}
          listsLoading={lists.isPending}
          serverErrors={serverErrors}
        />
        <Accordion mt="md" variant="contained" chevronPosition="left">
          <Accordion.Item value="json">
            <Accordion.Control>{t("console.segments.json_title")}</Accordion.Control>
            <Accordion.Panel>
              <Text size="xs" c="dimmed" mb="xs">
                {t("console.segments.json_help")}
              </Text>
              <Code block aria-label={t("console.segments.json_title")} data-testid="segment-json" tabIndex={0}>
                {JSON.stringify(counted, null, 2)}
              </Code>
            </Accordion.Panel>
          </Accordion.Item>
        </Accordion>
      </Grid.Col>
      <Grid.Col span={{ base: 12, lg: 4 }}>
        <CountPanel
          data={source.data}
          error={mappedToRow ? null : error}
          spinner={source.spinner}
          stale={source.pending}
          incomplete={readOnly ? 0 : incomplete}
          readOnly={readOnly}
        />
      </Grid.Col>
    </Grid>
  );
}

export function CountPanel({
  data,
  error,
  spinner,
  stale,
  incomplete,
  readOnly,
}: {
  data: CountOut | undefined;
  error: unknown;
  spinner: boolean;
  stale: boolean;
  incomplete: number;
  readOnly: boolean;
}) {
  const { t } = useTranslation();
  const f = useFormat();
  const timeout = error instanceof ApiError && error.code === "segment_timeout";
  return (
    <Paper withBorder p="md" radius="md" style={{ position: "sticky", top: 76 }} component="aside" aria-labelledby="segment-count-title">
      <Stack gap="xs">
        <Group justify="space-between" wrap="nowrap">
          <Title order={2} fz="md" id="segment-count-title">
            {readOnly ? t("console.segments.count_saved") : t("console.segments.count_live")}
          </Title>
          {spinner && <Loader size="xs" aria-label={t("console.segments.counting")} />}
        </Group>
        <Box aria-live="polite" aria-atomic="true" data-testid="segment-count">
          {data ? (
            <Text fz={32} fw={700} lh={1.1} c={stale ? "dimmed" : undefined} data-stale={stale ? "true" : "false"}>
              {t("console.segments.recipients", { count: data.count, n: f.number(data.count) })}
            </Text>
          ) : (
            !error && (
              <Text c="dimmed" size="sm">
                {t("console.segments.counting")}
              </Text>
            )
          )}
        </Box>
        {incomplete > 0 && (
          <Text size="sm" c="red.8">
            {t("console.segments.incomplete", { count: incomplete, n: incomplete })}
          </Text>
        )}
        {error ? (
          <Alert color="red" variant="light" icon={<IconAlertTriangle aria-hidden />} role="alert" title={timeout ? t("console.segments.timeout_title") : t("console.segments.count_failed")}>
            <Text size="sm">{timeout ? t("console.segments.timeout_body") : errorText(t, error)}</Text>
          </Alert>
        ) : null}
        {data && data.sample.length > 0 && (
          <Box>
            <Text size="sm" fw={600} mt="xs">
              {t("console.segments.sample")}
            </Text>
            <Stack gap={2} component="ul" style={{ listStyle: "none", padding: 0, margin: 0 }}>
              {data.sample.map((s) => (
                <li key={s.id}>
                  <Anchor component={Link} to={`/subscribers/${s.id}`} size="sm">
                    {s.email}
                  </Anchor>
                  {s.name ? (
                    <Text span size="xs" c="dimmed">
                      {" "}
                      · {s.name}
                    </Text>
                  ) : null}
                </li>
              ))}
            </Stack>
          </Box>
        )}
      </Stack>
    </Paper>
  );
}
