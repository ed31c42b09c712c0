package ctl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/fbsession/fbsession/audit"
	"github.com/fbsession/fbsession/cmd/internal/backend"
	"github.com/fbsession/fbsession/cmd/internal/natsconn"
)

// checkpointFlags are the settings of the checkpoint commands; the
// stream is fbsessiond's (--checkpoint-stream, a shared setting).
type checkpointFlags struct {
	key string
}

func (f *checkpointFlags) register(cmd *cobra.Command, key bool) {
	if key {
		cmd.Flags().StringVar(&f.key, "key", os.Getenv("FBSESSION_CHECKPOINT_KEY"), "ed25519 private key file (PEM) [FBSESSION_CHECKPOINT_KEY]")
	}
}

func (c *CLI) checkpointCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "checkpoint",
		Short: "Signed checkpoints of the whole log, kept out of the database (docs/AUDIT.md)",
		Example: "  fbsessionctl checkpoint keygen --key /etc/fbsession/checkpoint.key\n" +
			"  fbsessionctl checkpoint create --key /etc/fbsession/checkpoint.key --publish",
	}
	cmd.AddCommand(c.checkpointKeygen(), c.checkpointPublicKey(), c.checkpointCreate())
	return cmd
}

func (c *CLI) checkpointKeygen() *cobra.Command {
	var f checkpointFlags
	var public string
	cmd := &cobra.Command{
		Use:     "keygen --key FILE [--public-out FILE]",
		Short:   "Make an ed25519 signing key (mode 0600) and its public key (FILE.pub)",
		Example: "  fbsessionctl checkpoint keygen --key /etc/fbsession/checkpoint.key",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.key == "" {
				return errors.New("--key (or FBSESSION_CHECKPOINT_KEY) names the file to write")
			}
			if public == "" {
				public = f.key + ".pub"
			}
			pub, err := audit.GenerateCheckpointKey(f.key, public)
			if err != nil {
				return err
			}
			fmt.Fprintf(c.Out, "private key %s (keep it off the database host's backups)\npublic key %s\nkey id %s\n",
				Printable(f.key), Printable(public), audit.KeyID(pub))
			return nil
		},
	}
	f.register(cmd, true)
	cmd.Flags().StringVar(&public, "public-out", "", "public key file (default: the key file + .pub)")
	return c.acceptStoreFlags(cmd)
}

func (c *CLI) checkpointPublicKey() *cobra.Command {
	var f checkpointFlags
	cmd := &cobra.Command{
		Use:     "public-key --key FILE",
		Short:   "Print the public key of a signing key, for auditors",
		Example: "  fbsessionctl checkpoint public-key --key /etc/fbsession/checkpoint.key >checkpoint.pub",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			pub, err := audit.LoadPublicKey(f.key)
			if err != nil {
				return err
			}
			pemBytes, err := audit.MarshalPublicKey(pub)
			if err != nil {
				return err
			}
			_, err = c.Out.Write(pemBytes)
			return err
		},
	}
	f.register(cmd, true)
	return c.acceptStoreFlags(cmd)
}

func (c *CLI) checkpointCreate() *cobra.Command {
	var (
		f       checkpointFlags
		publish bool
		out     string
	)
	cmd := &cobra.Command{
		Use:   "create [--publish] [--out FILE]",
		Short: "Verify every hash chain and sign every event up to the head, through each stream's head",
		Example: "  fbsessionctl checkpoint create --key /etc/fbsession/checkpoint.key --publish\n" +
			"  fbsessionctl checkpoint create --key checkpoint.key --out cp-2026-11-24.json",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !publish && out == "" {
				return errors.New("give --publish, --out FILE or both: a checkpoint kept nowhere proves nothing")
			}
			key, err := audit.LoadCheckpointKey(f.key)
			if err != nil {
				return err
			}
			return c.withBackend(cmd.Context(), func(b *backend.Backend) error {
				cp, err := audit.Checkpoint(cmd.Context(), b.Store, key)
				if err != nil {
					return err
				}
				if out != "" {
					if err := writeCheckpoint(out, cp); err != nil {
						return err
					}
				}
				if publish {
					if err := c.withCheckpointStream(cmd.Context(), f, func(s *audit.CheckpointStream) error {
						// Create the stream if need be, but leave the
						// configuration of fbsessiond's (its retention) alone.
						_, err := s.JetStream.Stream(cmd.Context(), s.Stream)
						if errors.Is(err, jetstream.ErrStreamNotFound) {
							err = s.Ensure(cmd.Context())
						}
						if err != nil {
							return err
						}
						return s.Publish(cmd.Context(), cp)
					}); err != nil {
						return err
					}
				}
				fmt.Fprintf(c.Out, "checkpoint %s: position %d, %d streams, %d events, heads digest %s\n",
					cp.ID(), cp.Position, cp.Streams, cp.Events, cp.HeadsDigest)
				return nil
			})
		},
	}
	f.register(cmd, true)
	cmd.Flags().BoolVar(&publish, "publish", false, "publish to the JetStream checkpoint stream")
	cmd.Flags().StringVar(&out, "out", "", "write the checkpoint, heads included, to this file (JSON)")
	c.cfg.RegisterCheckpointStream(cmd.Flags())
	return c.natsFlags(c.storeFlags(cmd, false))
}

// writeCheckpoint writes the file whole or not at all.
func writeCheckpoint(path string, cp *audit.SignedCheckpoint) error {
	data, err := json.MarshalIndent(cp, "", " ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".checkpoint-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

func (c *CLI) withCheckpointStream(ctx context.Context, f checkpointFlags, do func(*audit.CheckpointStream) error) error {
	nc, err := natsconn.Dial(c.cfg.NATS(), natsconn.Publisher, c.cfg.NATSClientURL(), nats.Name("fbsessionctl checkpoint"))
	if err != nil {
		return err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	return do(&audit.CheckpointStream{JetStream: js, Stream: c.cfg.CheckpointStream, Prefix: c.cfg.SubjectPrefix})
}

// loadCheckpoint reads a checkpoint file, or the newest published one
// when from is "latest".
func (c *CLI) loadCheckpoint(ctx context.Context, f checkpointFlags, from string) (*audit.SignedCheckpoint, error) {
	if from == "latest" {
		var cp *audit.SignedCheckpoint
		err := c.withCheckpointStream(ctx, f, func(s *audit.CheckpointStream) error {
			var err error
			cp, err = s.Latest(ctx)
			return err
		})
		return cp, err
	}
	data, err := os.ReadFile(from)
	if err != nil {
		return nil, err
	}
	var cp audit.SignedCheckpoint
	if err := json.Unmarshal(data, &cp); err != nil {
		return nil, fmt.Errorf("checkpoint %s: %w", Printable(from), err)
	}
	return &cp, nil
}
