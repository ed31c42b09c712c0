package daemon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/require"

	"github.com/fbsession/fbsession/internal/seedfixtures"
	"github.com/fbsession/fbsession/transport/httpapi"
	"github.com/fbsession/fbsession/transport/httpapi/apiclient"
)

// A client generated from the served OpenAPI document completes a session
// against a running fbsessiond. Every exchange is also checked against the
// document, so that a field the document and the server name differently
// fails here even where the generated types would silently leave it empty.
func TestGeneratedClientCompletesASession(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, dbURL string) {
		s := startService(t, testConfig(t, dbURL), discardLogger())
		s.seed(dbURL, 0) // the agent a1 (agent1) and the integration user router
		ctx := context.Background()
		router := generatedClient(t, s.base, "router", "router secret")
		agent := generatedClient(t, s.base, "agent1", "correct horse")

		var intake apiclient.Intake
		require.NoError(t, json.Unmarshal(seedfixtures.IntakeSeed(), &intake))
		created, err := router.CreateFacebookSessionWithResponse(ctx, &apiclient.CreateFacebookSessionParams{}, intake)
		require.NoError(t, err)
		require.Equal(t, http.StatusCreated, created.StatusCode(), string(created.Body))
		id := *intake.Id
		require.True(t, strings.HasSuffix(created.JSON201.Uri, "/api/v2/facebooksessions/"+id), created.JSON201.Uri)

		me, err := agent.GetMeWithResponse(ctx)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, me.StatusCode(), string(me.Body))
		require.Equal(t, "a1", me.JSON200.User.Id)

		fields := "*"
		listed, err := agent.ListMyFacebookSessionsWithResponse(ctx, &apiclient.ListMyFacebookSessionsParams{Fields: &fields})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, listed.StatusCode(), string(listed.Body))
		page, err := listed.JSON200.AsSessionResources()
		require.NoError(t, err)
		require.Len(t, page.Facebooksessions, 1)
		item, err := page.Facebooksessions[0].AsFacebooksession()
		require.NoError(t, err)
		require.Equal(t, id, item.Id)
		require.Nil(t, page.NextAfter)

		mine, err := agent.GetMyFacebookSessionWithResponse(ctx, id, &apiclient.GetMyFacebookSessionParams{})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, mine.StatusCode(), string(mine.Body))
		session, err := mine.JSON200.Facebooksession.AsFacebooksession()
		require.NoError(t, err)
		require.Equal(t, apiclient.FacebooksessionStateInvited, session.State, "intake offers the session")
		require.Equal(t, []apiclient.FacebooksessionCapabilities{apiclient.FacebooksessionCapabilitiesAccept, apiclient.FacebooksessionCapabilitiesReject}, session.Capabilities)
		require.Equal(t, intake.Comment, session.Comment)
		require.Equal(t, *intake.Participants, session.Participants)
		firstName, err := session.UserData["FirstName"].AsUserDataValue0()
		require.NoError(t, err)
		require.Equal(t, "Vitaliy", firstName)
		number, err := session.UserData["UserData2"].AsUserDataValue1()
		require.NoError(t, err)
		require.Equal(t, float64(123456789), number)

		selected := "state"
		picked, err := agent.GetMyFacebookSessionWithResponse(ctx, id, &apiclient.GetMyFacebookSessionParams{Fields: &selected})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, picked.StatusCode(), string(picked.Body))
		only, err := picked.JSON200.Facebooksession.AsFacebooksessionFields()
		require.NoError(t, err)
		require.Equal(t, apiclient.FacebooksessionFields{State: ptr(apiclient.FacebooksessionFieldsStateInvited)}, only)

		accepted, err := agent.OperateOnMyFacebookSessionWithResponse(ctx, id, &apiclient.OperateOnMyFacebookSessionParams{},
			apiclient.AgentOperation{OperationName: apiclient.AgentOperationOperationNameAccept})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, accepted.StatusCode(), string(accepted.Body))
		text := "Hello! How can I help?"
		sent, err := agent.OperateOnMyFacebookSessionWithResponse(ctx, id, &apiclient.OperateOnMyFacebookSessionParams{},
			apiclient.AgentOperation{OperationName: apiclient.AgentOperationOperationNameSendMessage, Text: &text})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, sent.StatusCode(), string(sent.Body))
		customer := "Thanks!"
		wrote, err := router.OperateOnFacebookSessionWithResponse(ctx, id, &apiclient.OperateOnFacebookSessionParams{},
			apiclient.IntegrationOperation{OperationName: apiclient.CustomerMessage, Text: &customer})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, wrote.StatusCode(), string(wrote.Body))
		transcript, err := router.GetFacebookSessionMessagesWithResponse(ctx, id, &apiclient.GetFacebookSessionMessagesParams{})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, transcript.StatusCode(), string(transcript.Body))
		require.Len(t, transcript.JSON200.Messages, 2)
		require.Equal(t, text, transcript.JSON200.Messages[0].Text)
		require.Equal(t, 2, transcript.JSON200.Messages[1].Index)

		queue := "SocialMediaQueue"
		s.cli(dbURL, "", "queues", "add", queue)
		done, err := agent.OperateOnMyFacebookSessionWithResponse(ctx, id, &apiclient.OperateOnMyFacebookSessionParams{},
			apiclient.AgentOperation{OperationName: apiclient.AgentOperationOperationNameComplete, QueueName: &queue})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, done.StatusCode(), string(done.Body))
		require.Positive(t, done.JSON200.ReferenceId)

		got, err := agent.GetFacebookSessionWithResponse(ctx, id, &apiclient.GetFacebookSessionParams{})
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, got.StatusCode(), string(got.Body))
		completed, err := got.JSON200.Facebooksession.AsFacebooksession()
		require.NoError(t, err)
		require.Equal(t, apiclient.FacebooksessionStateCompleted, completed.State)
		require.Empty(t, completed.Capabilities)

		missing, err := agent.GetMyFacebookSessionWithResponse(ctx, "no-such-session", &apiclient.GetMyFacebookSessionParams{})
		require.NoError(t, err)
		require.Equal(t, http.StatusNotFound, missing.StatusCode(), string(missing.Body))
		require.Equal(t, apiclient.ErrorStatusCode(6), missing.JSON404.StatusCode)
		require.Equal(t, "Not found", missing.JSON404.StatusMessage)

		// The operations without login are in the document too.
		health, err := agent.GetHealthWithResponse(ctx)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, health.StatusCode(), string(health.Body))
		ready, err := agent.GetReadinessWithResponse(ctx)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, ready.StatusCode(), string(ready.Body))
		require.Equal(t, "ok", (*ready.JSON200)["store"])
		metrics, err := agent.GetMetricsWithResponse(ctx)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, metrics.StatusCode(), string(metrics.Body))
		document, err := agent.GetOpenAPIDocumentWithResponse(ctx)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, document.StatusCode())
		require.Equal(t, httpapi.OpenAPI, document.Body)
	})
}

// generatedClient returns the generated client, logged in as user, whose
// every request and response is validated against the OpenAPI document.
func generatedClient(t *testing.T, base, user, password string) *apiclient.ClientWithResponses {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(httpapi.OpenAPI)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	r, err := gorillamux.NewRouter(doc)
	require.NoError(t, err)
	c, err := apiclient.NewClientWithResponses(base,
		apiclient.WithHTTPClient(&validatingDoer{t: t, router: r}),
		apiclient.WithRequestEditorFn(func(_ context.Context, req *http.Request) error {
			req.SetBasicAuth(user, password)
			return nil
		}))
	require.NoError(t, err)
	return c
}

// validatingDoer sends requests and fails the test when a request or its
// response does not conform to the OpenAPI document.
type validatingDoer struct {
	t      *testing.T
	router routers.Router
}

func (d *validatingDoer) Do(req *http.Request) (*http.Response, error) {
	d.t.Helper()
	route, params, err := d.router.FindRoute(req)
	require.NoError(d.t, err, "%s %s is not in the OpenAPI document", req.Method, req.URL.Path)
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	var sent []byte
	if req.Body != nil {
		sent, err = io.ReadAll(req.Body)
		require.NoError(d.t, err)
		req.Body = io.NopCloser(bytes.NewReader(sent))
	}
	require.NoError(d.t, openapi3filter.ValidateRequest(req.Context(), in), "request %s %s %s", req.Method, req.URL.Path, sent)
	req.Body = io.NopCloser(bytes.NewReader(sent))

	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	res.Body = io.NopCloser(bytes.NewReader(raw))
	err = openapi3filter.ValidateResponse(req.Context(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: res.StatusCode, Header: res.Header,
		Body: io.NopCloser(bytes.NewReader(raw)), Options: &openapi3filter.Options{IncludeResponseStatus: true},
	})
	require.NoError(d.t, err, "%s %s → %d %s", req.Method, req.URL.Path, res.StatusCode, strings.TrimSpace(string(raw)))
	return res, nil
}

func ptr[T any](v T) *T { return &v }
