FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /out/ ./cmd/...

# docker-compose.yml's one-shot migrate service: fbsessionctl migrate
# prints the service role's grants, which psql runs.
FROM postgres:15 AS migrate
COPY --from=build /out/fbsessionctl /usr/local/bin/
USER postgres

# The service (the default target: keep it last).
FROM gcr.io/distroless/static-debian12
COPY --from=build /out/ /usr/local/bin/
USER nonroot
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/fbsessiond"]
