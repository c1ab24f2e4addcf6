package dev.omnirollup.api;

import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * Answers {@code HEAD} on every {@code GET} route, as upstream's framework (Hono) does: the request is routed as
 * {@code GET} and marked, so that {@link ResponseWriter} keeps the status and headers and drops the body.
 * Stateless.
 */
final class HeadAsGetFilter implements Filter {
    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (req.prologue().method() == Method.HEAD) {
            ResponseWriter.markHead(req);
            HttpPrologue head = req.prologue();
            req.prologue(HttpPrologue.create(head.rawProtocol(), head.protocol(), head.protocolVersion(),
                    Method.GET, head.uriPath(), head.query(), head.fragment()));
        }
        chain.proceed();
    }
}
