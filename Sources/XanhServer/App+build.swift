import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import Mustache
import Prometheus
import ServiceLifecycle
import XanhCore
import XanhStore

/// Everything the HTTP layer needs, handed in by the composition root (the `xanh` executable or a test).
public struct AppServices: Sendable {
    public var store: any MonitoringStore
    public var reference: ReferenceData
    public var deriver: Deriver
    public var alertEngine: AlertEngine
    /// Rung when alerts open or close.
    public var alertWakeup: Wakeup
    public var metrics: PrometheusCollectorRegistry
    /// Current time in UTC seconds; tests pin it.
    public var clock: @Sendable () -> Int64
    /// Bounds on what comes in (docs/operations.md, "Limits").
    public var limits: Limits
    /// Database faults met lately, for `/health`.
    public var health = HealthMonitor()

    public init(
        store: any MonitoringStore, reference: ReferenceData, metrics: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        limits: Limits = Limits(), clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) {
        self.store = store
        self.limits = limits
        self.reference = reference
        self.deriver = Deriver(store: store, reference: reference, clock: clock)
        let wakeup = Wakeup()
        self.alertWakeup = wakeup
        self.alertEngine = AlertEngine(store: store, clock: clock, onChange: { Task { await wakeup.notifyAll() } })
        self.metrics = metrics
        self.clock = clock
    }
}

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

    public init(
        host: String = "127.0.0.1", port: Int = 8080, deriveInterval: Double = 0.5, drop: DropFolderConfig? = nil, alerts: AlertConfig = AlertConfig(),
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

/// What a handler knows of its request besides the request itself.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The server's limits, set by the first middleware.
    public var limits = Limits()

    public init(source: Source) { coreContext = .init(source: source) }
}

/// The router with every route of the API and the public pages.
public func buildRouter(_ services: AppServices, readOnly: Bool = false) async throws -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.add(middleware: ProblemMiddleware(services: services))
    if readOnly { router.add(middleware: ReadOnlyMiddleware()) }
    router.add(middleware: MetricsMiddleware())
    router.add(middleware: BodyLimitMiddleware(limits: services.limits))
    router.add(middleware: TimeBudgetMiddleware(seconds: services.limits.requestSeconds))
    router.add(middleware: APIKeyMiddleware(store: services.store))

    SystemController(services: services).register(on: router)
    let api = router.group("api/v1")
    ReferenceController(services: services).register(on: api)
    StationController(services: services).register(on: api)
    FacilityController(services: services).register(on: api)
    ObservationController(services: services).register(on: api)
    AirQualityController(services: services).register(on: api)
    QualityController(services: services).register(on: api)
    AlertController(services: services, streamPoll: 1).register(on: api)
    SensorThingsController(services: services).register(on: router)
    IndicatorController(services: services).register(on: api)
    try await WebController(services: services).register(on: router)
    return router
}

public func buildApplication(_ services: AppServices, config: ServerConfig, logger: Logger = Logger(label: "xanh")) async throws -> some ApplicationProtocol {
    let router = try await buildRouter(services, readOnly: config.readOnly)
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
    ]
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
