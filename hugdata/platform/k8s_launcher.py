"""dagster-k8s's K8sRunLauncher, with each tenant's runs in the tenant's own namespace when its run says so."""

from dagster import DagsterRun
from dagster_k8s import K8sRunLauncher
from dagster_k8s.container_context import K8sContainerContext

from hugdata.k8s.tenant_runs import NAMESPACE_TAG


class TenantNamespaceK8sRunLauncher(K8sRunLauncher):
    """Launches, watches and terminates a run's Job in the namespace its `hugdata/k8s-namespace` tag names.

    Runs without the tag (onboarding batches, or every run when per-tenant namespaces are off) use the launcher's
    `job_namespace`, exactly like K8sRunLauncher.
    """

    def get_container_context_for_run(self, dagster_run: DagsterRun) -> K8sContainerContext:
        context = super().get_container_context_for_run(dagster_run)
        namespace = dagster_run.tags.get(NAMESPACE_TAG)
        return context.merge(K8sContainerContext(namespace=namespace)) if namespace else context
