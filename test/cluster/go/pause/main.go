// The pod sandbox ("pause") process for the real node's containerd: holds the pod's namespaces,
// reaps zombies (it is pid 1 when the pod shares its pid namespace) and exits on SIGTERM/SIGINT.
// Upstream's pause is C (k8s.io/kubernetes/build/pause); this is the same job in pure Go, so the
// image needs no C toolchain and no registry.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	for s := range sigs {
		if s != syscall.SIGCHLD {
			os.Exit(0)
		}
		for {
			pid, err := syscall.Wait4(-1, nil, syscall.WNOHANG, nil)
			if pid <= 0 || err != nil {
				break
			}
		}
	}
}
