import AgentRuntime

extension WaveDefectServer {
    /// Agent series of /metrics: what runs where, and every failure and restart by agent.
    func writeAgentMetrics(to p: inout PrometheusExposition) {
        let names = Set(agentMetrics.byAgent.keys).union(agentMetrics.running.keys).union(agentMetrics.refusedPublications.keys).sorted()
        p.metric("wavedefect_agents_running", "gauge", "In-process agents running, by agent name.")
        for n in names { p.sample("wavedefect_agents_running", [("agent", n)], Double(agentMetrics.running[n] ?? 0)) }
        let series: [(String, String, (AgentMetrics.Counts) -> Int)] = [
            ("wavedefect_agent_failures_total", "Agent events that threw or missed their deadline (the instance was restarted).", { $0.failures }),
            ("wavedefect_agent_timeouts_total", "Agent events that missed their deadline.", { $0.timeouts }),
            ("wavedefect_agent_restarts_total", "Fresh agent instances started after a failure.", { $0.restarts }),
        ]
        for (name, help, value) in series {
            p.metric(name, "counter", help)
            for n in names { p.sample(name, [("agent", n)], Double(value(agentMetrics.byAgent[n] ?? .init()))) }
        }
        p.metric("wavedefect_agent_publications_refused_total", "counter", "Agent publications the room refused (topic policy, size).")
        for n in names { p.sample("wavedefect_agent_publications_refused_total", [("agent", n)], Double(agentMetrics.refusedPublications[n] ?? 0)) }
        p.metric("wavedefect_agent_workers", "gauge", "Registered agent workers.")
        p.sample("wavedefect_agent_workers", [], Double(workers.workers.count))
        p.metric("wavedefect_agent_worker_jobs", "gauge", "Jobs running on registered workers.")
        p.sample("wavedefect_agent_worker_jobs", [], Double(workers.jobCount))
        p.metric("wavedefect_agent_jobs_redispatched_total", "counter", "Worker jobs dispatched again after their worker disappeared.")
        p.sample("wavedefect_agent_jobs_redispatched_total", [], Double(workers.redispatchedJobs))
    }
}
