// How a test steers kwok's fake kubelet: annotations on a pod (or on a Deployment's pod template).
// See test/cluster/stages/pods.yaml for the stages that read them.
import { kubectl } from "./cluster.ts";

export const POD_ANNOTATIONS = {
  /** "ImagePullBackOff" | "ErrImagePull" | "CrashLoopBackOff": the pod fails that way, with Warning events. */
  fail: "clawbox.test/fail",
  /** Go duration ("5s"): the scheduled pod stays Pending that long before its containers start. */
  startDelay: "clawbox.test/start-delay",
  /** Go duration ("10s"): the pod stays Running but not Ready that long (default 1 s). */
  readyDelay: "clawbox.test/ready-delay",
} as const;

export type PodFailure = "ImagePullBackOff" | "ErrImagePull" | "CrashLoopBackOff";

/** Makes an existing (e.g. already Running) pod fail: kwok switches it to the given reason within a moment. */
export function failPod(kubeconfig: string, namespace: string, pod: string, reason: PodFailure): void {
  kubectl(kubeconfig, ["annotate", "pod", pod, "-n", namespace, "--overwrite", `${POD_ANNOTATIONS.fail}=${reason}`]);
}
