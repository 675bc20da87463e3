package main

// The security flags every subcommand takes, for secured listeners (issue #13):
//
//	--tls-ca=FILE             connect over TLS, trusting the CAs in FILE (PEM)
//	--tls-cert=FILE --tls-key=FILE   a client certificate for mutual TLS (PEM)
//	--sasl-mechanism=PLAIN|SCRAM-SHA-256|SCRAM-SHA-512|OAUTHBEARER  --sasl-user=U --sasl-password=P
//	                          (OAUTHBEARER: --sasl-password is the token)
//
// Without them the clients connect in plaintext, as before.

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"os"

	"github.com/IBM/sarama"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/oauth"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

type securityFlags struct {
	tlsCA, tlsCert, tlsKey             *string
	saslMechanism, saslUser, saslPassw *string
}

var security securityFlags

func addSecurityFlags(fs *flag.FlagSet) {
	security.tlsCA = fs.String("tls-ca", "", "CA certificates (PEM): connect over TLS")
	security.tlsCert = fs.String("tls-cert", "", "client certificate (PEM) for mutual TLS")
	security.tlsKey = fs.String("tls-key", "", "client key (PEM) for mutual TLS")
	security.saslMechanism = fs.String("sasl-mechanism", "", "PLAIN, SCRAM-SHA-256, SCRAM-SHA-512 or OAUTHBEARER")
	security.saslUser = fs.String("sasl-user", "", "SASL user name")
	security.saslPassw = fs.String("sasl-password", "", "SASL password (OAUTHBEARER: the token)")
}

func tlsConfig() (*tls.Config, error) {
	if *security.tlsCA == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(*security.tlsCA)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificates in %s", *security.tlsCA)
	}
	c := &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	if *security.tlsCert != "" {
		pair, err := tls.LoadX509KeyPair(*security.tlsCert, *security.tlsKey)
		if err != nil {
			return nil, err
		}
		c.Certificates = []tls.Certificate{pair}
	}
	return c, nil
}

// franzSecurity: the kgo options for the flags given.
func franzSecurity() []kgo.Opt {
	var opts []kgo.Opt
	c, err := tlsConfig()
	if err != nil {
		fatalUsage(err)
	}
	if c != nil {
		opts = append(opts, kgo.DialTLSConfig(c))
	}
	user, pass := *security.saslUser, *security.saslPassw
	switch *security.saslMechanism {
	case "":
	case "PLAIN":
		opts = append(opts, kgo.SASL(plain.Auth{User: user, Pass: pass}.AsMechanism()))
	case "SCRAM-SHA-256":
		opts = append(opts, kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha256Mechanism()))
	case "SCRAM-SHA-512":
		opts = append(opts, kgo.SASL(scram.Auth{User: user, Pass: pass}.AsSha512Mechanism()))
	case "OAUTHBEARER":
		opts = append(opts, kgo.SASL(oauth.Auth{Token: pass}.AsMechanism()))
	default:
		fatalUsage(fmt.Errorf("unknown --sasl-mechanism %q", *security.saslMechanism))
	}
	return opts
}

type staticToken string

func (t staticToken) Token() (*sarama.AccessToken, error) {
	return &sarama.AccessToken{Token: string(t)}, nil
}

// saramaSecurity sets cfg for the flags given. sarama has no SCRAM client of its own (it takes
// one from the application), so SCRAM is franz-go's part of the matrix.
func saramaSecurity(cfg *sarama.Config) {
	c, err := tlsConfig()
	if err != nil {
		fatalUsage(err)
	}
	if c != nil {
		cfg.Net.TLS.Enable = true
		cfg.Net.TLS.Config = c
	}
	switch *security.saslMechanism {
	case "":
		return
	case "PLAIN":
		cfg.Net.SASL.Mechanism = sarama.SASLTypePlaintext
	case "OAUTHBEARER":
		cfg.Net.SASL.Mechanism = sarama.SASLTypeOAuth
		cfg.Net.SASL.TokenProvider = staticToken(*security.saslPassw)
	default:
		fatalUsage(fmt.Errorf("--sasl-mechanism %q: not with sarama here", *security.saslMechanism))
	}
	cfg.Net.SASL.Enable = true
	cfg.Net.SASL.Handshake = true
	cfg.Net.SASL.User = *security.saslUser
	cfg.Net.SASL.Password = *security.saslPassw
}

func fatalUsage(err error) {
	fmt.Fprintln(os.Stderr, "security flags:", err)
	os.Exit(64)
}
