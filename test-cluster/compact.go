package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
)

// compact removes etcd's history up to the current revision. A watch or list that resumes from
// an older resourceVersion then gets 410 Gone, which is how tests force a relist.
func compact(args []string) error {
	fs := flag.NewFlagSet("compact", flag.ContinueOnError)
	stateDir := fs.String("state-dir", "", "state directory of a running test-cluster")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *stateDir == "" {
		return errors.New("--state-dir is required")
	}
	data, err := os.ReadFile(filepath.Join(*stateDir, "state.json"))
	if err != nil {
		return fmt.Errorf("no running cluster in %s: %w", *stateDir, err)
	}
	var st clusterState
	if err := json.Unmarshal(data, &st); err != nil {
		return err
	}
	cli, err := clientv3.New(clientv3.Config{Endpoints: []string{st.EtcdClientURL}, DialTimeout: 5 * time.Second})
	if err != nil {
		return err
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Write a key so the compaction revision is strictly newer than anything a client has seen.
	put, err := cli.Put(ctx, "/driftwatch-test-cluster/compact-marker", time.Now().String())
	if err != nil {
		return err
	}
	rev := put.Header.Revision
	if _, err := cli.Compact(ctx, rev, clientv3.WithCompactPhysical()); err != nil {
		return err
	}
	fmt.Printf("compacted etcd to revision %d\n", rev)
	return nil
}
