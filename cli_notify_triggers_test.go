package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/alipay-mock/alipay-mock/alipay/amount"
	"github.com/alipay-mock/alipay-mock/client"
	"github.com/alipay-mock/alipay-mock/mock/mocktest"
)

// --notify-closed is true (also the bare flag), false or auto (the
// default: production's per product, app and wap pay's), from the command
// line or ALIPAY_MOCK_NOTIFY_CLOSED; an app pay or a precreate trade closed
// after the buyer logged in (scanned) gets a TRADE_CLOSED notice as it says.
func TestNotifyClosedFlagTrueFalseOrAuto(t *testing.T) {
	bin := buildBinary(t)
	merchant := mocktest.NewMerchant(t, "success")
	for _, tc := range []struct {
		name      string
		env, args []string
		app       bool // an app pay trade, else a precreate one
		want      int  // TRADE_CLOSED notices
	}{
		{"default, app pay", nil, nil, true, 1},
		{"false, app pay", nil, []string{"--notify-closed=false"}, true, 0},
		{"variable false, app pay", []string{"ALIPAY_MOCK_NOTIFY_CLOSED=false"}, nil, true, 0},
		{"variable auto, precreate", []string{"ALIPAY_MOCK_NOTIFY_CLOSED=auto"}, nil, false, 0},
		{"bare flag, precreate", nil, []string{"--notify-closed"}, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			base := startBinary(t, bin, tc.env, append([]string{"--addr", "127.0.0.1:0"}, tc.args...)...)
			c := devClient(t, base)
			ctx := context.Background()
			order := client.Order{OutTradeNo: "NC-1", TotalAmount: amount.MustParse("1.00"), Subject: "s"}
			if tc.app {
				os, err := c.AppPayOrderString(client.AppPayRequest{Order: order}, client.WithNotifyURL(merchant.URL))
				if err != nil {
					t.Fatal(err)
				}
				b, _ := json.Marshal(map[string]string{"order_string": os})
				resp, err := http.Post(base+"/_mock/app-pay", "application/json", bytes.NewReader(b))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			} else if _, err := c.Precreate(ctx, client.PrecreateRequest{Order: order}, client.WithNotifyURL(merchant.URL)); err != nil {
				t.Fatal(err)
			}
			if status, body := httpDo(t, http.MethodPost, base+"/_mock/trades/NC-1/scan"); status != http.StatusOK {
				t.Fatalf("scan: %d %s", status, body)
			}
			if _, err := c.Close(ctx, client.CloseRequest{OutTradeNo: "NC-1"}); err != nil {
				t.Fatal(err)
			}
			_, body := httpDo(t, http.MethodGet, base+"/_mock/notifications?out_trade_no="+url.QueryEscape("NC-1"))
			var list []struct {
				TradeStatus string `json:"trade_status"`
			}
			if err := json.Unmarshal([]byte(body), &list); err != nil {
				t.Fatalf("%v in %s", err, body)
			}
			got := 0
			for _, n := range list {
				if n.TradeStatus == "TRADE_CLOSED" {
					got++
				}
			}
			if got != tc.want || len(list) != tc.want {
				t.Errorf("notifications %s, want %d TRADE_CLOSED", body, tc.want)
			}
		})
	}
	code, errs := serveExit(t, bin, nil, "--notify-finished=maybe")
	wantRefused(t, "--notify-finished=maybe", code, errs, 2, "notify-finished")
	if !strings.Contains(errs, "want true, false or auto") {
		t.Errorf("--notify-finished=maybe: %q does not say what it takes", errs)
	}
}
