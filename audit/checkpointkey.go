package audit

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"os"
)

// Checkpoint keys are PEM files that openssl reads too: the private key
// PKCS #8 ("PRIVATE KEY"), the public key PKIX ("PUBLIC KEY").

// GenerateCheckpointKey writes a new ed25519 key to privatePath (mode
// 0600; an existing file is never overwritten) and its public key to
// publicPath (0644).
func GenerateCheckpointKey(privatePath, publicPath string) (ed25519.PublicKey, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, err
	}
	pubPEM, err := MarshalPublicKey(pub)
	if err != nil {
		return nil, err
	}
	if err := writeNew(privatePath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, err
	}
	if err := writeNew(publicPath, pubPEM, 0o644); err != nil {
		_ = os.Remove(privatePath) // nothing half-made
		return nil, err
	}
	return pub, nil
}

func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("checkpoint key: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("checkpoint key: %w", err)
	}
	return f.Close()
}

// MarshalPublicKey encodes a public key as PEM.
func MarshalPublicKey(pub ed25519.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// LoadCheckpointKey reads a private key written by GenerateCheckpointKey.
// It refuses a file that others than its owner may read.
func LoadCheckpointKey(path string) (ed25519.PrivateKey, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("checkpoint key: %w", err)
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("checkpoint key %s: mode %o lets others read it; chmod 600 it", path, info.Mode().Perm())
	}
	block, err := readPEM(path, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("checkpoint key %s: %w", path, err)
	}
	priv, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("checkpoint key %s: %T, not ed25519", path, key)
	}
	return priv, nil
}

// LoadPublicKey reads a public key file, or the public half of a private
// key file.
func LoadPublicKey(path string) (ed25519.PublicKey, error) {
	block, err := readPEM(path, "")
	if err != nil {
		return nil, err
	}
	var key any
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "PRIVATE KEY":
		var priv any
		if priv, err = x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
			if p, ok := priv.(ed25519.PrivateKey); ok {
				key = p.Public()
			}
		}
	default:
		err = fmt.Errorf("a PEM %q block, not a key", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("public key %s: %w", path, err)
	}
	pub, ok := key.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("public key %s: %T, not ed25519", path, key)
	}
	return pub, nil
}

func readPEM(path, want string) (*pem.Block, error) {
	data, err := readSmallFile(path, maxKeyFileBytes)
	if err != nil {
		return nil, fmt.Errorf("key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("key %s: %w", path, errors.New("no PEM block"))
	}
	if want != "" && block.Type != want {
		return nil, fmt.Errorf("key %s: a PEM %q block, want %q", path, block.Type, want)
	}
	return block, nil
}

// maxKeyFileBytes bounds a key file read: an ed25519 key in PEM is about
// 120 bytes, so anything past 64 KiB is not a key.
const maxKeyFileBytes = 64 << 10

// readSmallFile reads path, refusing one of more than max bytes rather
// than loading it whole.
func readSmallFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: more than %d bytes", path, max)
	}
	return data, nil
}
