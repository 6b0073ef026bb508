// CSV import: choose a file, attest the consent of the people in it, then watch Herald import
// it (a progress bar fed by the import job) and read the row-by-row report.
import { Anchor, Breadcrumbs, Stepper, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { api, unwrap } from "../../api/client";
import { PageHeader } from "../../components/PageHeader";
import { ErrorState, Loading } from "../../components/states";
import { AttestationStep, type Attestation } from "./AttestationStep";
import { FileStep } from "./FileStep";
import { ProgressStep } from "./ProgressStep";

export default function ImportScreen() {
  const { t } = useTranslation();
  const listId = Number(useParams().listId);
  const [search, setSearch] = useSearchParams();
  const jobParam = search.get("job");
  const [file, setFile] = useState<File | null>(null);
  const [step, setStep] = useState(jobParam ? 2 : 0);
  const jobId = jobParam ? Number(jobParam) : null;
  const list = useQuery({
    queryKey: ["list", listId],
    queryFn: () => unwrap(api.GET("/sys/newsletter/lists/{list_id}", { params: { path: { list_id: listId } } })),
  });

  const started = (id: number) => {
    setSearch({ job: String(id) }, { replace: true });
    setStep(2);
  };
  const again = () => {
    setSearch({}, { replace: true });
    setFile(null);
    setStep(0);
  };

  if (list.isPending) return <Loading />;
  if (list.isError) return <ErrorState error={list.error} onRetry={() => void list.refetch()} />;
  return (
    <>
      <PageHeader
        before={
          <Breadcrumbs>
            <Anchor component={Link} to="/lists" size="sm">
              {t("console.lists.title")}
            </Anchor>
            <Anchor component={Link} to={`/lists/${listId}`} size="sm">
              {list.data.name}
            </Anchor>
            <Text size="sm">{t("console.imports.title")}</Text>
          </Breadcrumbs>
        }
        title={t("console.imports.heading", { list: list.data.name })}
        description={t("console.imports.description")}
      />
      <Stepper active={step} onStepClick={(s) => s < step && step < 2 && setStep(s)} allowNextStepsSelect={false}>
        <Stepper.Step label={t("console.imports.step_file")} description={t("console.imports.step_file_help")}>
          <FileStep file={file} onFile={setFile} onNext={() => setStep(1)} cancelTo={`/lists/${listId}`} />
        </Stepper.Step>
        <Stepper.Step label={t("console.imports.step_consent")} description={t("console.imports.step_consent_help")}>
          {file && (
            <AttestationStep
              listId={listId}
              file={file}
              onBack={() => setStep(0)}
              onStarted={(id) => started(id)}
            />
          )}
        </Stepper.Step>
        <Stepper.Step label={t("console.imports.step_import")} description={t("console.imports.step_import_help")}>
          {jobId !== null && <ProgressStep listId={listId} jobId={jobId} onAgain={again} />}
        </Stepper.Step>
      </Stepper>
    </>
  );
}

export type { Attestation };
