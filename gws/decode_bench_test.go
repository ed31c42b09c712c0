package gws

import "testing"

var (
	benchIntake   = []byte(`{"id":"s1","agentId":"a1","facebooksessionType":"chat","comment":"hello","receivedDate":"2026-01-02T03:04:05Z","userData":{"k":"v","n":1,"nested":{"a":[1,2,3]}},"participants":[{"id":"p1"},{"id":"p2"}]}`)
	benchComplete = []byte(`{"operationName":"Complete","queueName":"q1"}`)
)

func BenchmarkDecodeObject(b *testing.B) {
	b.Run("intake", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v intakeBody
			if err := DecodeObject(benchIntake, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("complete", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var v struct {
				OperationName *string `json:"operationName"`
				QueueName     *string `json:"queueName"`
			}
			if err := DecodeObject(benchComplete, &v); err != nil {
				b.Fatal(err)
			}
		}
	})
}
