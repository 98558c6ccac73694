package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
)

// AuthToken is one app authorisation: the token an ISV sends as
// app_auth_token to act for the merchant auth_app_id.
type AuthToken struct {
	AppAuthToken    string `json:"app_auth_token"`
	AppRefreshToken string `json:"app_refresh_token"`
	AuthAppID       string `json:"auth_app_id"`
	UserID          string `json:"user_id"` // the merchant's account (PID)
	ExpiresIn       int64  `json:"expires_in"`
	ReExpiresIn     int64  `json:"re_expires_in"` // seconds the refresh token still works
}

// AuthTokenResponse is alipay.open.auth.token.app's answer.
type AuthTokenResponse struct {
	Response
	AuthToken
	Tokens []AuthToken `json:"tokens"`
}

// ExchangeAppAuthCode trades the app_auth_code from the merchant's
// authorisation for an app_auth_token (grant_type authorization_code).
func (c *Client) ExchangeAppAuthCode(ctx context.Context, code string, opts ...CallOption) (*AuthTokenResponse, error) {
	return c.authToken(ctx, map[string]string{"grant_type": "authorization_code", "code": code}, opts)
}

// RefreshAppAuthToken gets a new app_auth_token with a refresh token.
func (c *Client) RefreshAppAuthToken(ctx context.Context, refreshToken string, opts ...CallOption) (*AuthTokenResponse, error) {
	return c.authToken(ctx, map[string]string{"grant_type": "refresh_token", "refresh_token": refreshToken}, opts)
}

func (c *Client) authToken(ctx context.Context, biz map[string]string, opts []CallOption) (*AuthTokenResponse, error) {
	out := new(AuthTokenResponse)
	return out, c.Do(ctx, "alipay.open.auth.token.app", biz, out, append(opts, WithAppAuthToken(""))...)
}

// Bill types of BillDownloadURL.
const (
	BillTrade        = "trade"        // 业务明细: payments and refunds
	BillSignCustomer = "signcustomer" // 账务明细: the account's money movements
)

// BillRequest asks for a bill: BillDate is a day ("2026-06-05") or a month
// ("2026-06"), in the past.
type BillRequest struct {
	BillType string `json:"bill_type"`
	BillDate string `json:"bill_date"`
}

// BillResponse carries the URL of the bill's zip, good for 30 seconds.
type BillResponse struct {
	Response
	BillDownloadURL string `json:"bill_download_url"`
	// BillFileCode is EMPTY_DATA_WITH_BILL_FILE when the period had no
	// trades: the file is the empty template.
	BillFileCode string `json:"bill_file_code"`
}

// BillDownloadURL calls alipay.data.dataservice.bill.downloadurl.query.
func (c *Client) BillDownloadURL(ctx context.Context, req BillRequest, opts ...CallOption) (*BillResponse, error) {
	out := new(BillResponse)
	return out, c.Do(ctx, "alipay.data.dataservice.bill.downloadurl.query", req, out, opts...)
}

// maxBillBytes bounds a downloaded bill (a variable so tests can lower it).
var maxBillBytes int64 = 256 << 20

// DownloadBill fetches the zip (GBK CSV files) a bill_download_url names;
// a bill over 256 MiB is an error, never a truncated zip.
func (c *Client) DownloadBill(ctx context.Context, url string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("alipay: bill: %w", err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("alipay: bill: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return nil, fmt.Errorf("alipay: bill: HTTP %s: %s", resp.Status, snippet(b))
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBillBytes+1))
	if err != nil {
		return nil, fmt.Errorf("alipay: bill: %w", err)
	}
	if int64(len(b)) > maxBillBytes {
		return nil, fmt.Errorf("alipay: bill: larger than %d bytes: not read whole", maxBillBytes)
	}
	return b, nil
}
