# A stand-in for fastlane's DSL, enough to load fastlane/Appfile and
# fastlane/Fastfile without fastlane (which CI cannot install) and walk
# every lane:
#   - every action a lane calls must be one of fastlane's (the list below,
#     from docs.fastlane.tools/actions); anything else fails;
#   - every script a lane runs (scripts/NAME) must exist and be executable;
#   - secrets are read from the environment only, and every one a lane
#     reads is listed in the Fastfile's SECRETS;
#   - nothing looking like a key, keystore or service account is committed
#     under fastlane/.
# Commands are recorded, never run, except scripts/version (read-only).
# Prints each lane with what it would do. Usage: ruby check.rb REPO_ROOT
require "open3"

ROOT = File.expand_path(ARGV.fetch(0, "."))
FASTLANE_DIR = File.join(ROOT, "fastlane")

KNOWN_ACTIONS = %w[
  sh gradle upload_to_play_store supply capture_android_screenshots screengrab
  run_tests scan build_app build_ios_app gym upload_to_testflight pilot
  app_store_connect_api_key increment_version_number increment_build_number
  upload_to_app_store deliver capture_ios_screenshots snapshot
].freeze

class StandInError < StandardError; end

module UI
  class UserError < StandardError; end
  def self.user_error!(message) = raise(UserError, message)
  def self.message(_) = nil
  def self.important(_) = nil
end

module SharedValues
  GRADLE_AAB_OUTPUT_PATH = :GRADLE_AAB_OUTPUT_PATH
end

# What the Appfile declares.
class AppfileReader
  attr_reader :values

  def initialize = @values = Hash.new { |h, k| h[k] = {} }
  def for_platform(platform) = (@platform = platform; yield; @platform = nil)

  %i[package_name json_key_data_raw json_key_file app_identifier team_id apple_id itc_team_id].each do |key|
    define_method(key) { |value| @values[@platform][key] = value }
  end

  def method_missing(name, *) = raise(StandInError, "Appfile: unknown setting #{name}")
  def respond_to_missing?(*) = false
end

# The Fastfile's DSL; lanes are kept, then walked one by one.
class FastfileRunner
  Lane = Struct.new(:platform, :name, :description, :block)
  attr_reader :lanes, :calls, :secrets_read

  def initialize
    @lanes = []
    @platform = nil
    @description = nil
    @calls = []
    @secrets_read = []
  end

  def default_platform(platform) = (@default = platform)
  def platform(name) = (@platform = name; yield; @platform = nil)
  def desc(text) = (@description = text)

  def lane(name, &block)
    raise StandInError, "lane #{name} has no description (desc)" unless @description
    @lanes << Lane.new(@platform, name, @description, block)
    @description = nil
  end

  def lane_context = { SharedValues::GRADLE_AAB_OUTPUT_PATH => "android/app/build/outputs/bundle/release/app-release.aab" }

  def sh(*command)
    program = command.first.to_s
    if program.start_with?(File.join(ROOT, "scripts") + "/")
      raise StandInError, "runs #{program.delete_prefix(ROOT + '/')}, which is missing or not executable" unless File.executable?(program)
      if File.basename(program) == "version"
        out, status = Open3.capture2(*command.map(&:to_s))
        raise StandInError, "scripts/version failed" unless status.success?
        @calls << "sh #{command.map { |c| c.to_s.delete_prefix(ROOT + '/') }.join(' ')}"
        return out
      end
    end
    @calls << "sh #{command.map { |c| c.to_s.delete_prefix(ROOT + '/') }.join(' ')}"
    ""
  end

  def method_missing(name, *args, **options)
    raise StandInError, "calls #{name}, which is not a fastlane action" unless KNOWN_ACTIONS.include?(name.to_s)
    @calls << "#{name}(#{options.keys.join(', ')})"
    nil
  end

  def respond_to_missing?(*) = false
end

problems = []
committed = Dir.glob(File.join(FASTLANE_DIR, "**", "*")).select do |f|
  File.file?(f) && f =~ /\.(json|p8|p12|jks|keystore|mobileprovision|cer|pem)\z/i
end
committed.each { |f| problems << "#{f.delete_prefix(ROOT + '/')} looks like a secret: secrets come from the environment" }

appfile = AppfileReader.new
appfile.instance_eval(File.read(File.join(FASTLANE_DIR, "Appfile")), File.join(FASTLANE_DIR, "Appfile"))

runner = FastfileRunner.new
runner.instance_eval(File.read(File.join(FASTLANE_DIR, "Fastfile")), File.join(FASTLANE_DIR, "Fastfile"))
# Constants of an instance_eval'd file land in the receiver's singleton class.
secrets = runner.singleton_class.const_get(:SECRETS)

# Every secret set to a placeholder, so a lane reads on past ENV.fetch;
# which ones each lane reads is recorded.
placeholders = secrets.values.flatten
placeholders.each { |name| ENV[name] = "stand-in" }
module EnvWatch
  def fetch(name, *rest, &block)
    ($secrets_read ||= []) << name
    super
  end
end
ENV.singleton_class.prepend(EnvWatch)

required = { android: %i[test beta release screenshots], ios: %i[test beta release screenshots] }
required.each do |platform, names|
  names.each do |name|
    problems << "lane #{platform} #{name} is missing" unless runner.lanes.any? { |l| l.platform == platform && l.name == name }
  end
end

runner.lanes.each do |lane|
  runner.calls.clear
  $secrets_read = []
  outcome = "ok"
  begin
    runner.instance_eval(&lane.block)
  rescue UI::UserError => e
    # A lane that stops on a precondition it states (the iPad app's project
    # not yet in the repository) is reported, not failed.
    outcome = "stops: #{e.message}"
  rescue StandInError => e
    problems << "lane #{lane.platform} #{lane.name} #{e.message}"
    outcome = "FAILS: #{e.message}"
  end
  unlisted = $secrets_read.uniq - placeholders - ["CHEVET_BUILD_NUMBER"]
  unlisted.each { |s| problems << "lane #{lane.platform} #{lane.name} reads #{s}, not listed in SECRETS" }
  puts "#{lane.platform} #{lane.name} — #{lane.description}"
  puts "    #{runner.calls.join("\n    ")}" unless runner.calls.empty?
  puts "    secrets: #{$secrets_read.uniq.join(', ')}" unless $secrets_read.empty?
  puts "    #{outcome}"
end

if problems.empty?
  puts "fastlane: #{runner.lanes.size} lanes checked, Appfile: #{appfile.values.keys.join(', ')}"
else
  warn problems.map { |p| "fastlane check: #{p}" }.join("\n")
  exit 1
end
