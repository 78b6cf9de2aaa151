import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import Mustache
import Prometheus
import ServiceLifecycle
import XanhCore
import XanhSensorThings
import XanhServices
import XanhStore

public struct ServerConfig: Sendable {
    public var host: String
    public var port: Int
    /// Seconds between derivation passes when idle.
    public var deriveInterval: Double
    /// Circular 10 drop folder to watch, if any.
    public var drop: DropFolderConfig?
    public var alerts: AlertConfig
    /// Serve reads only (a process on a PostgreSQL read replica): no derivation, alerting or drop folder, and every
    /// method other than GET/HEAD is refused with a problem that says where writes go.
    public var readOnly: Bool
    /// `serve --demo`: the demo network keeps sending (`DemoLoader.feed`, every five minutes).
    public var demoFeed = false

    public init(
        host: String = "127.0.0.1", port: Int = 8080, deriveInterval: Double = 0.5, drop: DropFolderConfig? = nil,
        alerts: AlertConfig = AlertConfig(),
        readOnly: Bool = false
    ) {
        self.readOnly = readOnly
        self.host = host
        self.port = port
        self.deriveInterval = deriveInterval
        self.drop = drop
        self.alerts = alerts
    }
}

extension AppRequestContext {
    /// Who writes: the caller `PolicyMiddleware` checked (every write route needs one).
    var writer: Caller { caller ?? Caller(name: "api", role: "editor") }
}

/// What a handler knows of its request besides the request itself.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The server's limits, set by the first middleware.
    public var limits = Limits()
    /// The key or person the request comes from, once `PolicyMiddleware` has checked the credentials.
    public var caller: Caller?
    /// The web session, when the caller came with a session cookie (its CSRF token is for the forms).
    public var session: SessionRecord?
    /// The client's address (the socket's peer).
    public var address: String

    public init(source: Source) {
        coreContext = .init(source: source)
        address = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}

extension Counters {
    /// Counters kept in a Prometheus registry, shown at `/metrics`.
    public static func prometheus(_ registry: PrometheusCollectorRegistry) -> Counters {
        Counters { name, help, by in registry.makeCounter(name: name, help: help).increment(by: by) }
    }
}

/// The router with every route of the API and the public pages.
public func buildRouter(
    _ services: AppServices, sensorThings: STAService, metrics: PrometheusCollectorRegistry, readOnly: Bool = false
) async throws -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    // A database the demo filled says so on every page (`serve --demo` records it in the audit log).
    let demo = !(try await services.store.auditEntries(AuditFilter(entity: "demo"), beforeSeq: nil, limit: 1)).isEmpty
    let pages = try await Pages.load(demo: demo)
    router.add(middleware: SecurityHeadersMiddleware())
    router.add(middleware: ProblemMiddleware(services: services))
    if readOnly { router.add(middleware: ReadOnlyMiddleware()) }
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: BodyLimitMiddleware(limits: services.limits))
    router.add(middleware: TimeBudgetMiddleware(seconds: services.limits.requestSeconds))
    router.add(middleware: PageErrorsMiddleware(web: WebController(services: services, pages: pages)))
    router.add(middleware: PolicyMiddleware(services: services, readOnly: readOnly))
    router.add(middleware: JSONWritesMiddleware())
    router.add(middleware: AuditMiddleware(services: services))

    SystemController(services: services, metrics: metrics).register(on: router)
    let api = router.group("api/v1")
    ReferenceController(reference: services.reference).register(on: api)
    StationController(stations: services.store, registry: services.registry).register(on: api)
    FacilityController(facilities: services.store, registry: services.registry).register(on: api)
    ObservationController(services: services).register(on: api)
    AirQualityController(services: services).register(on: api)
    WaterController(services: services).register(on: api)
    DisasterController(services: services).register(on: api)
    QualityController(services: services).register(on: api)
    AlertController(services: services, streamPoll: 1).register(on: api)
    SensorThingsController(service: sensorThings, services: services).register(on: router)
    IndicatorController(services: services).register(on: api)
    PlanController(services: services).register(on: api)
    AuditController(services: services).register(on: api)
    AccountController(services: services, pages: pages).register(on: router)
    WebController(services: services, pages: pages).register(on: router)
    return router
}

public func buildApplication(
    _ services: AppServices, sensorThings: STAService, metrics: PrometheusCollectorRegistry, config: ServerConfig,
    logger: Logger = Logger(label: "xanh")
) async throws -> some ApplicationProtocol {
    let router = try await buildRouter(services, sensorThings: sensorThings, metrics: metrics, readOnly: config.readOnly)
    let configuration = ApplicationConfiguration(
        address: .hostname(config.host, port: config.port), serverName: "xanh",
        availableConnectionsDelegate: MaximumAvailableConnections(ConnectionLimits.maxConnections(services.limits.maxConnections, logger: logger)))
    let server = HTTPServerBuilder.http1(configuration: .init(idleTimeout: .milliseconds(Int64(services.limits.idleSeconds * 1000))))
    guard !config.readOnly else {
        // A replica cannot take writes: the primary's process derives, alerts and watches the drop folder.
        return Application(router: router, server: server, configuration: configuration, services: [], logger: logger)
    }
    var background: [any Service] = [
        PollingService.derivation(services, interval: config.deriveInterval, logger: logger),
        PollingService.alerting(
            services, AlertDispatcher(store: services.store, config: config.alerts, logger: logger), interval: config.alerts.interval, logger: logger),
        PollingService.reminders(services, smtp: config.alerts.smtp, interval: 600, logger: logger),
    ]
    if config.demoFeed { background.append(PollingService.demoFeed(services, logger: logger)) }
    if let drop = config.drop {
        background.append(
            DropFolderService(
                folder: DropFolder(
                    store: services.store, catalogue: services.reference.parameters, config: drop, limits: services.limits, logger: logger,
                    clock: services.clock)))
    }
    return Application(router: router, server: server, configuration: configuration, services: background, logger: logger)
}

/// Refuses writes on a read-only server (405, with `Allow: GET, HEAD`).
struct ReadOnlyMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head else {
            var r = try Problem(
                status: .methodNotAllowed,
                detail: "this server is read-only (it reads from a replica); send \(request.method) \(request.uri.path) to the primary's server"
            ).response(from: request, context: context)
            r.headers[.allow] = "GET, HEAD"
            return r
        }
        return try await next(request, context)
    }
}
